<?cs #
  manage.cs: the connected-apps page, inside layout.cs.
  Reads: User.Name, User.FhirUser (optional), Manage.Action (the page's
  own URL, the forms' action), Manage.Csrf, Manage.Revoked (set after a
  revocation), Manage.SignedOut (set on the signed-out page),
  Apps.N.Grant / .Name / .ClientId / .Patient (optional) / .Access
  ("offline" or "online") / .Since / .Until / .Scopes.M (plain words).
  The form contract (also for automation): each app has a POST form
  with hidden csrf, hidden action=revoke and hidden grant (the grant
  id), and a submit button; sign out is a POST form with csrf and
  action=signout.  No JavaScript.
?><section class="card manage" aria-labelledby="manage-title">
<?cs if:Manage.SignedOut ?>
<h1 id="manage-title">You are signed out</h1>
<p>You are signed out of the connected-apps page. You may still be signed
in at your organisation's sign-in service.</p>
<p><a href="<?cs var:Manage.Action ?>">Sign in again</a></p>
<?cs else ?>
<h1 id="manage-title">Apps with access to your records</h1>
<p class="who">You are signed in as <strong><?cs var:User.Name ?></strong><?cs if:User.FhirUser ?>
<span class="detail">(<?cs var:User.FhirUser ?>)</span><?cs /if ?>.</p>
<?cs if:Manage.Revoked ?><p class="notice" role="status">The app's access was removed. It can no longer read or change your records.</p><?cs /if ?>
<?cs if:subcount(Apps) ?>
<ul class="apps">
<?cs each:a = Apps ?>
<li class="app-grant">
<h2><?cs var:a.Name ?></h2>
<dl>
<?cs if:a.Patient ?><dt>Patient</dt><dd><?cs var:a.Patient ?></dd><?cs /if ?>
<dt>May</dt>
<dd><ul class="scopes"><?cs each:s = a.Scopes ?><li><?cs var:s ?></li><?cs /each ?></ul></dd>
<dt>Access</dt>
<dd><?cs if:a.Access == "offline" ?>Offline: keeps access even when you are not using it<?cs else ?>Online: only while you are using it<?cs /if ?></dd>
<dt>Since</dt><dd><?cs var:a.Since ?></dd>
<?cs if:a.Until ?><dt>Until</dt><dd><?cs var:a.Until ?></dd><?cs /if ?>
</dl>
<form method="post" action="<?cs var:Manage.Action ?>">
<input type="hidden" name="csrf" value="<?cs var:Manage.Csrf ?>">
<input type="hidden" name="action" value="revoke">
<input type="hidden" name="grant" value="<?cs var:a.Grant ?>">
<button type="submit" class="danger">Revoke access for <?cs var:a.Name ?></button>
</form>
</li>
<?cs /each ?>
</ul>
<?cs else ?>
<p>No app has access to your records.</p>
<?cs /if ?>
<form method="post" action="<?cs var:Manage.Action ?>" class="signout">
<input type="hidden" name="csrf" value="<?cs var:Manage.Csrf ?>">
<input type="hidden" name="action" value="signout">
<button type="submit">Sign out</button>
</form>
<?cs /if ?>
</section>
