<?cs #
  consent.cs: the consent page, inside layout.cs.
  Reads: App.Name, App.Logo (optional), User.Name, User.FhirUser,
  Form.Action, Form.Csrf, Scopes.N.Value / .Label / .Checked and
  Scopes.N.Categories.M.Value / .Label (granular sub-scopes),
  Picker.Show, Picker.Query, Picker.Error, Picker.Results.N.Id / .Name /
  .Detail.
  The form contract (also for automation): check boxes name="scope"
  with the scope as value, radio name="patient", submit buttons
  name="decision" with values approve and deny.
?><section class="card consent" aria-labelledby="consent-title">
<div class="app">
<?cs if:App.Logo ?><img class="app-logo" src="<?cs var:App.Logo ?>" alt="" width="48" height="48"><?cs /if ?>
<h1 id="consent-title"><?cs var:App.Name ?> asks for access</h1>
</div>
<p class="who">You are signed in as <strong><?cs var:User.Name ?></strong>
<span class="detail">(<?cs var:User.FhirUser ?>)</span>.
Choose what <?cs var:App.Name ?> may do. You can allow less than it asks for.</p>
<?cs if:Picker.Show ?>
<form method="get" action="<?cs var:Form.Action ?>" class="search" role="search">
<label for="q">Find a patient by name</label>
<div class="search-row">
<input id="q" name="q" type="search" value="<?cs var:Picker.Query ?>" autocomplete="off">
<button type="submit">Search</button>
</div>
</form>
<?cs /if ?>
<form method="post" action="<?cs var:Form.Action ?>">
<input type="hidden" name="csrf" value="<?cs var:Form.Csrf ?>">
<?cs if:Picker.Show ?>
<fieldset class="patients">
<legend>Patient</legend>
<?cs if:Picker.Error ?><p class="form-error" role="alert"><?cs var:Picker.Error ?></p><?cs /if ?>
<?cs each:r = Picker.Results ?>
<div class="choice">
<input type="radio" name="patient" id="patient-<?cs name:r ?>" value="<?cs var:r.Id ?>" required>
<label for="patient-<?cs name:r ?>"><?cs var:r.Name ?> <span class="detail"><?cs var:r.Detail ?></span></label>
</div>
<?cs /each ?>
<?cs if:!subcount(Picker.Results) ?><p>No patient found. Search by name above.</p><?cs /if ?>
</fieldset>
<?cs /if ?>
<fieldset class="scopes">
<legend>What <?cs var:App.Name ?> may do</legend>
<?cs each:s = Scopes ?>
<div class="choice">
<input type="checkbox" name="scope" id="scope-<?cs name:s ?>" value="<?cs var:s.Value ?>"<?cs if:s.Checked ?> checked<?cs /if ?>>
<label for="scope-<?cs name:s ?>"><?cs var:s.Label ?></label>
<?cs if:subcount(s.Categories) ?>
<fieldset class="sub">
<legend>Or, instead, only these kinds:</legend>
<?cs each:k = s.Categories ?>
<div class="choice">
<input type="checkbox" name="scope" id="scope-<?cs name:s ?>-<?cs name:k ?>" value="<?cs var:k.Value ?>">
<label for="scope-<?cs name:s ?>-<?cs name:k ?>"><?cs var:k.Label ?></label>
</div>
<?cs /each ?>
</fieldset>
<?cs /if ?>
</div>
<?cs /each ?>
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="approve" class="primary">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
</section>
