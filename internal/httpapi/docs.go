package httpapi

import "net/http"

// docsPage renders /openapi.json in the browser without loading anything
// from the internet: the add-on must work offline, and Huma's own page pulls
// its renderer from a CDN. It lists every operation with its parameters and
// responses; the full schemas are one click away in the document itself.
const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>LifeOps API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}
@media(prefers-color-scheme:dark){body{color:#ddd;background:#181a1f}code,pre{background:#262a31!important}}
h1{margin-bottom:.2rem}.op{border-top:1px solid #8884;padding:.6rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700}
.GET{color:#2f8f46}.POST{color:#2f5fbf}.PUT,.PATCH{color:#b07800}.DELETE{color:#c0392b}
code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px;overflow-wrap:anywhere}small{color:#888}
</style></head><body>
<h1 id="title">LifeOps API</h1><p id="desc"></p>
<p>The machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1),
<a href="openapi-3.0.json">openapi-3.0.json</a>, <a href="openapi.yaml">openapi.yaml</a>.</p>
<div id="ops">Loading…</div>
<script>
fetch("openapi.json").then(r => r.json()).then(doc => {
  const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"})[c]);
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("desc").textContent = doc.info.description || "";
  let html = "";
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const m = method.toUpperCase();
      const params = (op.parameters || []).map(p => "<code>" + esc(p.in) + "." + esc(p.name) + "</code>").join(" ");
      const codes = Object.keys(op.responses || {}).join(", ");
      const pub = op.security && op.security.length === 1 && Object.keys(op.security[0]).length === 0;
      html += '<div class="op"><span class="m ' + m + '">' + m + "</span> <code>" + esc(path) + "</code> " +
        (pub ? "<small>public</small>" : "") + "<br><b>" + esc(op.summary) + "</b> <small>" + esc(op.operationId) + "</small>" +
        (op.description ? "<br>" + esc(op.description) : "") + (params ? "<br>Parameters: " + params : "") +
        (op.requestBody ? "<br>Body: JSON" : "") + "<br><small>Responses: " + esc(codes) + "</small></div>";
    }
  }
  document.getElementById("ops").innerHTML = html;
}).catch(e => { document.getElementById("ops").textContent = "Could not load openapi.json: " + e; });
</script></body></html>
`

func serveDocs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	_, _ = w.Write([]byte(docsPage))
}
