<?cs #
  layout.cs: the frame of every page.
  Reads: Site.Name, Site.Logo (optional), Site.Static, Page.Title
  (optional), Page.Template (the page's own template, a constant set by
  the program; included at parse time), Request.Id.
  Config.VarEscapeMode is "html": every var: below is HTML-escaped.
?><!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs if:Page.Title ?><?cs var:Page.Title ?> &ndash; <?cs /if ?><?cs var:Site.Name ?></title>
<link rel="stylesheet" href="<?cs var:Site.Static ?>/smartgate.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<?cs if:Site.Logo ?><img class="site-logo" src="<?cs var:Site.Logo ?>" alt="<?cs var:Site.Name ?> logo" height="32"><?cs /if ?>
<span class="site-name"><?cs var:Site.Name ?></span>
</header>
<main id="main" tabindex="-1">
<?cs include:Page.Template ?>
</main>
<footer class="site-footer">
<p>Request id <code><?cs var:Request.Id ?></code> &mdash; please quote it if you contact support.</p>
</footer>
</body>
</html>
