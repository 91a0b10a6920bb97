<?cs #
  error.cs: the error page for people, inside layout.cs.
  Reads: Error.Status (HTTP status number), Error.Title (reason phrase),
  Error.Message (what went wrong, may hold request data: escaped by var:).
?><section class="card error" aria-labelledby="error-title">
<h1 id="error-title"><?cs var:Error.Title ?></h1>
<p class="error-status">Error <?cs var:Error.Status ?></p>
<p class="error-message"><?cs var:Error.Message ?></p>
<h2>What you can do</h2>
<ul>
<li>Go back to the application you came from and start again from there.</li>
<li>If it keeps happening, contact the people who run that application and
quote the request id shown at the bottom of this page.</li>
</ul>
</section>
