package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
)

// The /docs page is rendered on the server from the same OpenAPI document
// /openapi.json serves: every operation with its parameters, the shape of
// its request and response bodies and an example of each, built from the
// schemas (their examples, defaults, enums and formats). It loads nothing
// from the internet (the add-on must work offline; Huma's own page pulls
// its renderer from a CDN) and needs no script. Descriptions are markdown.

// docsOp is one operation as the page shows it.
type docsOp struct {
	ID, Method, Path, Summary string
	Description               template.HTML
	Public                    bool
	Params                    []docsField
	Body                      *docsShape // the request body, nil when none
	Responses                 []docsResponse
	Errors                    string // "404, 409, 422": they share the problem shape
}

type docsResponse struct {
	Status, Description string
	Shape               *docsShape // nil for an empty answer
	Headers             string
}

// docsShape is a body: its fields, flattened with dotted names, and an
// example.
type docsShape struct {
	Type    string // "application/json", "image/svg+xml", …
	Name    string // the schema's name, when it has one
	Fields  []docsField
	Example string
}

type docsField struct {
	Name, In, Type string
	Required       bool
	Doc            string
}

type docsTag struct {
	Name        string
	Description template.HTML
	Ops         []docsOp
}

type docsData struct {
	Title, Version string
	Description    template.HTML
	Tags           []docsTag
	Problem        *docsShape
}

// renderDocs builds the page from an OpenAPI document (JSON).
func renderDocs(doc []byte) ([]byte, error) {
	root, err := decodeOrdered(doc)
	if err != nil {
		return nil, fmt.Errorf("docs: read the document: %w", err)
	}
	d := &docsGen{root: asObj(root)}
	d.schemas = asObj(asObj(d.root.get("components")).get("schemas"))
	info := asObj(d.root.get("info"))
	data := docsData{Title: str(info.get("title")), Version: str(info.get("version")), Description: markdown(str(info.get("description")))}
	byTag := map[string]*docsTag{}
	for _, t := range asArr(d.root.get("tags")) {
		to := asObj(t)
		data.Tags = append(data.Tags, docsTag{Name: str(to.get("name")), Description: markdown(str(to.get("description")))})
	}
	for i := range data.Tags {
		byTag[data.Tags[i].Name] = &data.Tags[i]
	}
	paths := asObj(d.root.get("paths"))
	for _, path := range paths.keys {
		item := asObj(paths.get(path))
		for _, method := range item.keys {
			op := d.operation(path, method, asObj(item.get(method)))
			tag := "other"
			if tags := asArr(asObj(item.get(method)).get("tags")); len(tags) > 0 {
				tag = str(tags[0])
			}
			t, ok := byTag[tag]
			if !ok {
				data.Tags = append(data.Tags, docsTag{Name: tag})
				for i := range data.Tags {
					byTag[data.Tags[i].Name] = &data.Tags[i]
				}
				t = byTag[tag]
			}
			t.Ops = append(t.Ops, op)
		}
	}
	if _, ok := d.schemas.m["ErrorModel"]; ok {
		data.Problem = d.shape("application/problem+json", omapOf("$ref", "#/components/schemas/ErrorModel"))
	}
	var b bytes.Buffer
	if err := docsTemplate.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("docs: render: %w", err)
	}
	return b.Bytes(), nil
}

type docsGen struct {
	root, schemas *omap
}

func (d *docsGen) operation(path, method string, op *omap) docsOp {
	out := docsOp{ID: str(op.get("operationId")), Method: strings.ToUpper(method), Path: path, Summary: str(op.get("summary")),
		Description: markdown(str(op.get("description")))}
	if sec := asArr(op.get("security")); len(sec) == 1 && len(asObj(sec[0]).keys) == 0 {
		out.Public = true
	}
	for _, p := range asArr(op.get("parameters")) {
		po := asObj(p)
		s := d.resolve(asObj(po.get("schema")))
		doc := str(po.get("description"))
		if c := constraints(s); c != "" {
			doc = strings.TrimSpace(doc + " (" + c + ")")
		}
		out.Params = append(out.Params, docsField{Name: str(po.get("name")), In: str(po.get("in")), Type: d.typeName(s),
			Required: po.get("required") == true, Doc: doc})
	}
	if rb := asObj(op.get("requestBody")); rb != nil {
		out.Body = d.content(asObj(rb.get("content")))
	}
	var errs []string
	resps := asObj(op.get("responses"))
	codes := append([]string(nil), resps.keys...)
	sort.Strings(codes)
	for _, code := range codes {
		r := asObj(resps.get(code))
		if len(code) == 3 && code[0] >= '4' {
			errs = append(errs, code)
			continue
		}
		dr := docsResponse{Status: code, Description: str(r.get("description")), Shape: d.content(asObj(r.get("content")))}
		if h := asObj(r.get("headers")); h != nil {
			dr.Headers = strings.Join(h.keys, ", ")
		}
		out.Responses = append(out.Responses, dr)
	}
	out.Errors = strings.Join(errs, ", ")
	return out
}

// content describes the first media type of a body.
func (d *docsGen) content(c *omap) *docsShape {
	if c == nil || len(c.keys) == 0 {
		return nil
	}
	mt := c.keys[0]
	schema := asObj(asObj(c.get(mt)).get("schema"))
	return d.shape(mt, schema)
}

func (d *docsGen) shape(mediaType string, schema *omap) *docsShape {
	sh := &docsShape{Type: mediaType}
	if schema == nil {
		return sh
	}
	if ref := str(schema.get("$ref")); ref != "" {
		sh.Name = strings.TrimPrefix(ref, "#/components/schemas/")
	}
	if !strings.Contains(mediaType, "json") {
		return sh
	}
	d.fields(&sh.Fields, "", schema, map[string]bool{}, 0)
	var b bytes.Buffer
	writeJSON(&b, d.example(schema, map[string]bool{}, 0), "")
	sh.Example = b.String()
	return sh
}

// maxDocsDepth bounds how deep the field list and the examples go.
const maxDocsDepth = 5

func (d *docsGen) resolve(s *omap) *omap {
	for range 10 {
		if s == nil {
			return nil
		}
		ref := str(s.get("$ref"))
		if ref == "" {
			return s
		}
		s = asObj(d.schemas.get(strings.TrimPrefix(ref, "#/components/schemas/")))
	}
	return s
}

// fields lists an object's properties with dotted names; an array of
// objects continues with name[].
func (d *docsGen) fields(out *[]docsField, prefix string, s *omap, seen map[string]bool, depth int) {
	if ref := str(s.get("$ref")); ref != "" {
		if seen[ref] || depth > maxDocsDepth {
			return
		}
		seen = withKey(seen, ref)
	}
	s = d.resolve(s)
	if s == nil {
		return
	}
	if items := asObj(s.get("items")); items != nil && prefix == "" {
		d.fields(out, "[]", items, seen, depth+1)
		return
	}
	props := asObj(s.get("properties"))
	if props == nil {
		return
	}
	required := map[string]bool{}
	for _, r := range asArr(s.get("required")) {
		required[str(r)] = true
	}
	for _, name := range props.keys {
		if name == "$schema" {
			continue
		}
		ps := asObj(props.get(name))
		rs := d.resolve(ps)
		full := name
		if prefix != "" {
			full = strings.TrimPrefix(prefix+"."+name, "[].")
			if prefix == "[]" {
				full = "[]." + name
			}
		}
		doc := str(rs.get("description"))
		if doc == "" {
			doc = str(ps.get("description"))
		}
		if c := constraints(rs); c != "" {
			doc = strings.TrimSpace(doc + " (" + c + ")")
		}
		*out = append(*out, docsField{Name: full, Type: d.typeName(ps), Required: required[name], Doc: doc})
		switch {
		case asObj(rs.get("properties")) != nil:
			d.fields(out, full, ps, seen, depth+1)
		case asObj(rs.get("items")) != nil && asObj(d.resolve(asObj(rs.get("items"))).get("properties")) != nil:
			d.fields(out, full+"[]", asObj(rs.get("items")), seen, depth+1)
		}
	}
}

func withKey(m map[string]bool, k string) map[string]bool {
	out := make(map[string]bool, len(m)+1)
	for key := range m {
		out[key] = true
	}
	out[k] = true
	return out
}

// typeName is a schema's type as a reader wants it: "string (date-time)",
// "array of HabitBody", "object".
func (d *docsGen) typeName(s *omap) string {
	if s == nil {
		return "any"
	}
	if ref := str(s.get("$ref")); ref != "" {
		return strings.TrimPrefix(ref, "#/components/schemas/")
	}
	t := typeOf(s)
	switch t {
	case "array":
		return "array of " + d.typeName(asObj(s.get("items")))
	case "string":
		if f := str(s.get("format")); f != "" {
			return "string (" + f + ")"
		}
	}
	if t == "" {
		return "any"
	}
	return t
}

// typeOf reads "type", which OpenAPI 3.1 allows as ["string", "null"].
func typeOf(s *omap) string {
	switch t := s.get("type").(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if x != "null" {
				return str(x)
			}
		}
	}
	return ""
}

// constraints are the limits a reader must respect, in words.
func constraints(s *omap) string {
	if s == nil {
		return ""
	}
	var c []string
	if e := asArr(s.get("enum")); len(e) > 0 {
		vals := make([]string, len(e))
		for i, v := range e {
			vals[i] = fmt.Sprint(v)
		}
		c = append(c, "one of "+strings.Join(vals, ", "))
	}
	for _, k := range []struct{ key, word string }{{"minimum", "min"}, {"maximum", "max"}, {"minLength", "min length"}, {"maxLength", "max length"}, {"maxItems", "max items"}} {
		if v, ok := s.get(k.key).(json.Number); ok {
			c = append(c, k.word+" "+v.String())
		}
	}
	if v := s.get("default"); v != nil {
		c = append(c, "default "+jsonText(v))
	}
	return strings.Join(c, "; ")
}

// example builds an example value of a schema: its own example, default or
// first enum value when it has one, else a value of its type and format.
func (d *docsGen) example(s *omap, seen map[string]bool, depth int) any {
	if s == nil {
		return nil
	}
	if ref := str(s.get("$ref")); ref != "" {
		if seen[ref] || depth > maxDocsDepth {
			return omapOf()
		}
		seen = withKey(seen, ref)
	}
	s = d.resolve(s)
	if s == nil {
		return nil
	}
	if ex := asArr(s.get("examples")); len(ex) > 0 {
		return ex[0]
	}
	for _, k := range []string{"example", "default"} {
		if v := s.get(k); v != nil {
			return v
		}
	}
	if e := asArr(s.get("enum")); len(e) > 0 {
		return e[0]
	}
	switch typeOf(s) {
	case "object", "":
		props := asObj(s.get("properties"))
		out := omapOf()
		if props == nil {
			return out
		}
		for _, name := range props.keys {
			if name == "$schema" {
				continue
			}
			out.set(name, d.example(asObj(props.get(name)), seen, depth+1))
		}
		return out
	case "array":
		return []any{d.example(asObj(s.get("items")), seen, depth+1)}
	case "integer":
		if v, ok := s.get("minimum").(json.Number); ok {
			return v
		}
		return json.Number("1")
	case "number":
		if v, ok := s.get("minimum").(json.Number); ok {
			return v
		}
		return json.Number("1.5")
	case "boolean":
		return true
	}
	switch str(s.get("format")) {
	case "date-time":
		return "2026-03-01T07:30:00Z"
	case "date":
		return "2026-03-01"
	case "uri":
		return "https://example.com/"
	case "email":
		return "anna@example.com"
	}
	return "string"
}

// markdown renders a description; raw HTML in it is escaped, not passed on.
func markdown(s string) template.HTML {
	if s == "" {
		return ""
	}
	var b bytes.Buffer
	if err := goldmark.Convert([]byte(s), &b); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>") //nolint:gosec // escaped
	}
	return template.HTML(b.String()) //nolint:gosec // goldmark escapes raw HTML unless told otherwise
}

// omap is a JSON object that keeps its keys' order, so fields and examples
// read in the order the API declares them.
type omap struct {
	keys []string
	m    map[string]any
}

func omapOf(kv ...any) *omap {
	o := &omap{m: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *omap) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

func (o *omap) get(k string) any {
	if o == nil {
		return nil
	}
	return o.m[k]
}

func asObj(v any) *omap {
	o, _ := v.(*omap)
	return o
}

func asArr(v any) []any {
	a, _ := v.([]any)
	return a
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func jsonText(v any) string {
	var b bytes.Buffer
	writeJSON(&b, v, "")
	return strings.Join(strings.Fields(b.String()), " ")
}

// decodeOrdered reads JSON keeping object key order and numbers as written.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the document")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := omapOf()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(kt.(string), v)
			}
			_, err := dec.Token() // }
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ]
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// writeJSON writes v indented by two spaces, objects in key order.
func writeJSON(b *bytes.Buffer, v any, indent string) {
	switch x := v.(type) {
	case *omap:
		if len(x.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range x.keys {
			b.WriteString(indent + "  " + strconv.Quote(k) + ": ")
			writeJSON(b, x.m[k], indent+"  ")
			if i < len(x.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range x {
			b.WriteString(indent + "  ")
			writeJSON(b, e, indent+"  ")
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	default:
		out, err := json.Marshal(x)
		if err != nil {
			out = []byte("null")
		}
		b.Write(out)
	}
}

// docsCSP allows the page's own inline style and nothing else: it has no
// script.
const docsCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'self'"

func (s *Server) serveDocs(w http.ResponseWriter, _ *http.Request) {
	s.docsOnce.Do(func() {
		doc, err := json.Marshal(s.api.OpenAPI())
		if err == nil {
			s.docs, err = renderDocs(doc)
		}
		s.docsErr = err
	})
	if s.docsErr != nil {
		s.opts.Logger.Error().Err(s.docsErr).Msg("render /docs")
		http.Error(w, "the API documentation failed to render; /openapi.json has it all", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", docsCSP)
	_, _ = w.Write(s.docs)
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}} API</title>
<style>
:root{--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;--link:#0969da;--get:#1a7f37;--post:#0969da;--put:#9a6700;--del:#cf222e}
@media(prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--code:#151b23;--link:#4493f8;--get:#3fb950;--post:#4493f8;--put:#d29922;--del:#f85149}}
body{font:15px/1.55 system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;padding:0 1rem;color:var(--fg);background:var(--bg)}
a{color:var(--link)}h1{margin-bottom:.2rem}h2{border-bottom:1px solid var(--line);padding-bottom:.3rem;margin-top:2.5rem}
.op{border:1px solid var(--line);border-radius:8px;padding:.6rem .9rem;margin:1rem 0;min-width:0}
.op>summary{cursor:pointer;overflow-wrap:anywhere}.m{display:inline-block;min-width:4.2rem;font-weight:700}
.GET{color:var(--get)}.POST{color:var(--post)}.PUT,.PATCH{color:var(--put)}.DELETE{color:var(--del)}
code,pre{background:var(--code);border-radius:4px;font-size:13px}code{padding:.1rem .3rem;overflow-wrap:anywhere}
pre{padding:.6rem .8rem;overflow-x:auto;max-width:100%;box-sizing:border-box}
table{border-collapse:collapse;width:100%;font-size:14px;display:block;overflow-x:auto}
th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
td:first-child{white-space:nowrap}small,.muted{color:var(--muted)}h4{margin:.8rem 0 .3rem}
</style></head><body>
<h1>{{.Title}} API <small>{{.Version}}</small></h1>
{{.Description}}
<p>The machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1),
<a href="openapi-3.0.json">openapi-3.0.json</a>, <a href="openapi.yaml">openapi.yaml</a>. This page is built from it.</p>
<nav><p>{{range .Tags}}{{if .Ops}}<a href="#tag-{{.Name}}">{{.Name}}</a> · {{end}}{{end}}<a href="#errors">errors</a></p></nav>
<div id="ops">
{{range .Tags}}{{if .Ops}}
<section id="tag-{{.Name}}"><h2>{{.Name}}</h2>{{.Description}}
{{range .Ops}}
<details class="op" id="{{.ID}}"><summary><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code> {{.Summary}} {{if .Public}}<small>public</small>{{end}}</summary>
<p><small>operation {{.ID}}</small></p>
{{.Description}}
{{if .Params}}<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} <small>required</small>{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Doc}}</td></tr>{{end}}
</tbody></table>{{end}}
{{with .Body}}<h4>Request body <small>{{.Type}}{{with .Name}} · {{.}}{{end}}</small></h4>{{template "shape" .}}{{end}}
{{range .Responses}}<h4>Response {{.Status}} <small>{{.Description}}{{with .Shape}} · {{.Type}}{{with .Name}} · {{.}}{{end}}{{end}}{{with .Headers}} · headers: {{.}}{{end}}</small></h4>{{with .Shape}}{{template "shape" .}}{{end}}{{end}}
{{with .Errors}}<p><small>Errors: {{.}} as <a href="#errors">problem+json</a></small></p>{{end}}
</details>
{{end}}
</section>
{{end}}{{end}}
</div>
<section id="errors"><h2>Errors</h2><p>Every error is an RFC 9457 problem: <code>application/problem+json</code>. A refused field is named in <code>errors[].location</code> with its value and the reason.</p>
{{with .Problem}}{{template "shape" .}}{{end}}</section>
</body></html>
{{define "shape"}}{{if .Fields}}<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>
{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} <small>required</small>{{end}}</td><td>{{.Type}}</td><td>{{.Doc}}</td></tr>{{end}}
</tbody></table>{{end}}{{with .Example}}<p><small>Example</small></p><pre><code>{{.}}</code></pre>{{end}}{{end}}
`))
