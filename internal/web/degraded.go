package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"time"
)

// Outage is why LifeOps cannot serve yet: what is wrong, since when, and
// what a person can try.
type Outage struct {
	What  string    // "LifeOps cannot reach its database"
	Error string    // the last error, already free of secrets
	Since time.Time // when the outage started
	Hints []string  // what to try, most likely first
}

// retryAfter is what a client is told to wait: LifeOps retries the database
// about this often.
const retryAfter = "5"

// Degraded answers while LifeOps has no database, so that nothing goes dark:
// /healthz stays 200 (the process is alive and says so; restarting it would
// not bring the database back), /readyz and every API path answer 503 with
// Retry-After and the reason as problem+json, and every other path is a page
// that says what is wrong and what to try, reloading itself until LifeOps is
// back.
func Degraded(outage func() Outage) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := outage()
		switch {
		case r.URL.Path == "/healthz":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "database": "unavailable"})
		case isAPI(r.URL.Path):
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"title":  http.StatusText(http.StatusServiceUnavailable),
				"status": http.StatusServiceUnavailable,
				"detail": o.What + ": " + o.Error,
				"since":  o.Since.UTC().Format(time.RFC3339),
				"hints":  o.Hints,
			})
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Retry-After", retryAfter)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = outagePage.Execute(w, o)
		}
	})
}

var outagePage = template.Must(template.New("outage").Funcs(template.FuncMap{
	"ago": func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>LifeOps: {{.What}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 42rem; padding: 0 1rem; color: #1c1c1c; background: #fafafa; }
@media (prefers-color-scheme: dark) { body { color: #e1e1e1; background: #111; } pre { background: #222; } }
h1 { font-size: 1.4rem; }
pre { white-space: pre-wrap; background: #eee; padding: .75rem; border-radius: 6px; }
</style>
</head>
<body>
<h1>{{.What}}</h1>
<p>Since {{ago .Since}} ago. LifeOps keeps trying and this page reloads itself; nothing you recorded is lost.</p>
<h2>What it says</h2>
<pre>{{.Error}}</pre>
{{with .Hints}}<h2>What to try</h2>
<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body>
</html>
`))
