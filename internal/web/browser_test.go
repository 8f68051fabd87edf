package web_test

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

// defaultChromium is Debian's Chromium (apt-get install chromium;
// scripts/services --test-tools installs it); LIFEOPS_TEST_CHROMIUM names another
// Chromium-based browser.
const defaultChromium = "/usr/bin/chromium"

// ingressProxy stands in for the Supervisor: it serves the add-on only
// under ingressPrefix, strips it, and adds the ingress headers. A request
// outside the prefix is a link that forgot it: it is recorded and refused.
type ingressProxy struct {
	mu     sync.Mutex
	stray  []string
	server *httptest.Server
}

func newIngressProxy(t *testing.T, upstream string) *ingressProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &ingressProxy{}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, ingressPrefix)
		pr.Out.URL.RawPath = ""
		pr.Out.Header.Set("X-Ingress-Path", ingressPrefix)
		pr.Out.Header.Set("X-Remote-User-Id", "8d2f0c")
		pr.Out.Header.Set("X-Remote-User-Name", "anna")
		pr.Out.Header.Set("X-Remote-User-Display-Name", "Anna")
	}}
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == haFramePath {
			serveHAFrame(w, r)
			return
		}
		if r.URL.Path != ingressPrefix && !strings.HasPrefix(r.URL.Path, ingressPrefix+"/") {
			if r.URL.Path != "/favicon.ico" {
				p.mu.Lock()
				p.stray = append(p.stray, r.Method+" "+r.URL.String())
				p.mu.Unlock()
			}
			http.NotFound(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.server.Close)
	return p
}

// haFramePath is where the proxy plays Home Assistant's own page: the
// panel in an iframe of the same origin, as HA's frontend shows ingress,
// with what HA's frontend sets on its document for the theme the user
// picked: <meta name="color-scheme"> and --primary-background-color on
// <html>. ?scheme= and ?bg= choose them.
const haFramePath = "/ha-frame"

func serveHAFrame(w http.ResponseWriter, r *http.Request) {
	scheme, bg := r.URL.Query().Get("scheme"), r.URL.Query().Get("bg")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html style="--primary-background-color: %s; background-color: %s"><head>
<meta name="color-scheme" content="%s"><title>Home Assistant</title></head>
<body style="margin:0"><iframe id="panel" src="%s/achievements?person=anna" style="width:100%%;height:90vh;border:0"></iframe></body></html>`,
		template.HTMLEscapeString(bg), template.HTMLEscapeString(bg), template.HTMLEscapeString(scheme), ingressPrefix)
}

func (p *ingressProxy) strays() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.stray)
}

// artifacts is where screenshots go: $LIFEOPS_TEST_ARTIFACTS, else the
// test's temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("LIFEOPS_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowser drives Debian's Chromium through the pages as a household
// would, behind an ingress proxy: add a person and a habit and check it in
// with JavaScript off (the forms must work without it), see the score
// change, then allocate a stat node by clicking it in the tree. Screenshots
// of Today and of the tree are saved as artefacts.
func TestBrowser(t *testing.T) {
	chromiumPath := cmp.Or(os.Getenv("LIFEOPS_TEST_CHROMIUM"), defaultChromium)
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the browser tests need Chromium at %s (apt-get install -y chromium, or scripts/services --test-tools; "+
			"LIFEOPS_TEST_CHROMIUM names another): %v", chromiumPath, err)
	}
	e := newEnv(t, envOptions{})
	proxy := newIngressProxy(t, e.srv.URL)
	base := proxy.server.URL + ingressPrefix
	out := artifacts(t)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(alloc)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%s (at %s): %v", step, loc, err)
		}
	}
	// submit clicks a link or a form's button and waits for the page it
	// leads to, so the next read cannot see the old page.
	submit := func(step, sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	attr := func(sel, name string) string {
		t.Helper()
		do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil || !v.Exists {
			t.Fatalf("%s[%s]: %v", sel, name, err)
		}
		return v.Value
	}
	flash := func(want string) {
		t.Helper()
		do("wait for the flash", chromedp.WaitVisible(chromedp.CSS(".flash")))
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want) {
			t.Fatalf("flash %q, want it to contain %q", text, want)
		}
	}
	score := func() int {
		t.Helper()
		s := attr("#score", "data-score")
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("score %q: %v", s, err)
		}
		return n
	}
	scripts := func(off bool) {
		t.Helper()
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
			t.Fatalf("scripts off=%v: %v", off, err)
		}
	}

	// Forms without JavaScript.
	do("start the browser", chromedp.Navigate("about:blank"))
	// Errors the page reports (a refused resource, a blocked script or
	// style, an exception) fail the test at the end.
	var (
		problemsMu sync.Mutex
		problems   []string
	)
	logs, exceptions := chromedp.Events(ctx, cdplog.EntryAdded), chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range logs {
			if err != nil {
				return
			}
			if e := ev.Entry; e.Level == cdplog.EntryLevelError && !strings.HasSuffix(e.URL, "/favicon.ico") {
				problemsMu.Lock()
				problems = append(problems, fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL))
				problemsMu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			problemsMu.Lock()
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
			problemsMu.Unlock()
		}
	}()
	scripts(true)
	do("open the panel", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".card.empty")))
	submit("open people", `nav.tabs a[href$="/people"]`)
	do("fill in a person",
		chromedp.WaitVisible(chromedp.ID("add-person")),
		chromedp.SendKeys(chromedp.ID("p-name"), "Anna"))
	submit("add a person", "#add-person > button")
	flash("Added Anna")
	submit("open habits", `nav.tabs a[href*="/habits"]`)
	do("fill in a habit",
		chromedp.WaitVisible(chromedp.ID("add-habit")),
		chromedp.SendKeys(chromedp.ID("h-name"), "Drink water"))
	submit("add a habit", "#add-habit > button")
	flash("Added the habit Drink water")
	do("fill in a bad habit",
		chromedp.SendKeys(chromedp.ID("h-name"), "Gym"),
		chromedp.SetValue(chromedp.ID("h-sched"), "times_per_week"),
		chromedp.SendKeys(chromedp.ID("h-times"), "9"))
	expected := "status of 422 (Unprocessable Entity) (" + base + "/habits)"       // the form shown again is a 422
	expectedRule := "status of 422 (Unprocessable Entity) (" + base + "/evidence)" // so is the refused rule's
	submit("add the bad habit", "#add-habit > button")
	reason, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.field-error[data-field="schedule.times"]`)))
	if err != nil || reason == "" {
		t.Fatalf("no error next to schedule.times: %q, %v", reason, err)
	}
	screenshot(t, ctx, filepath.Join(out, "habit-errors.png"))
	submit("open routines", `nav.tabs a[href*="/routines"]`)
	do("fill in a routine",
		chromedp.WaitVisible(chromedp.ID("add-routine")),
		chromedp.SendKeys(chromedp.ID("r-name"), "Morning"),
		chromedp.SendKeys(chromedp.ID("r-items"), "23:50 Drink a glass of water\n23:55 Stretch\n23:58 Plan the day"))
	submit("add a routine", "#add-routine > button")
	flash("Added the routine Morning")
	submit("open today", `nav.tabs a[href*="/?person="]`)
	submit("skip an item", `.timeline li:nth-child(2) button[value="skipped"]`)
	flash("Stretch skipped")
	before := score()
	submit("check in", `button[data-check-in="Drink water"]`)
	flash("Checked in Drink water")
	after := score()
	if after <= before {
		t.Errorf("score %d after the check-in, %d before: it should rise", after, before)
	}
	today, err := e.svc.Today(context.Background(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	if today.Score.Score.Score != after {
		t.Errorf("the page shows %d, the app %d", after, today.Score.Score.Score)
	}

	// With JavaScript, as people see it.
	scripts(false)
	do("reload with JavaScript", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("score")))
	screenshot(t, ctx, filepath.Join(out, "today.png"))

	levelUp(t, e, "anna")
	submit("open the character", `nav.tabs a[href*="/character"]`)
	node := attr(".tree .node-button", "data-node")
	submit("click the node", `.tree .node-button[data-node="`+node+`"]`)
	n, _ := e.svc.Tree().Node(character.NodeID(node))
	flash("Allocated " + n.Name)
	allocated, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("svg .node.allocated")].map(n => n.dataset.node)`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(allocated, node) {
		t.Errorf("the tree shows %v allocated, not %s", allocated, node)
	}
	v, err := e.svc.Character(context.Background(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(v.Sheet.Allocated, character.NodeID(node)) {
		t.Errorf("the app has %v allocated, not %s", v.Sheet.Allocated, node)
	}
	screenshot(t, ctx, filepath.Join(out, "tree.png"))

	// A rule, and a reading of its sensor, for the Evidence page's picture.
	if _, err := e.svc.CreateRule(context.Background(), "anna", app.RuleInput{Name: "Out of bed", Sensors: []string{"binary_sensor.bed"},
		Condition: evidence.Condition{Op: evidence.OpOff}, Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "drink_water"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Observe(context.Background(), []app.Reading{{Source: "ha", Sensor: "binary_sensor.bed", State: "on", At: time.Now()}}); err != nil {
		t.Fatal(err)
	}

	// What Home Assistant and Zigbee2MQTT list, for the rule form's picker.
	if _, err := e.svc.ListSensors(context.Background(), "ha", []app.CatalogEntry{
		{Sensor: "binary_sensor.bed", Name: "Bed occupancy"}, {Sensor: "sensor.bedroom_temperature", Name: "Bedroom temperature", Unit: "°C"},
		{Sensor: "binary_sensor.a_rather_long_entity_id_from_an_integration_that_names_things_verbosely", Name: "A rather long entity name"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ListSensors(context.Background(), "zigbee2mqtt", []app.CatalogEntry{{Sensor: "zigbee2mqtt/kitchen/fridge door/contact", Name: "kitchen/fridge door Contact"}}); err != nil {
		t.Fatal(err)
	}

	// The HA user says which person they are; the panel then opens on it.
	submit("open people to link", `nav.tabs a[href$="/people"]`)
	submit("this is me", `button[data-link-me="anna"]`)
	flash("The panel now opens on Anna for you")
	submit("back to the character", `nav.tabs a[href$="/character"]`)
	if got := attr(`#person-picker, nav.tabs a[href*="/achievements"]`, "href"); !strings.HasSuffix(got, "/achievements?person=anna") {
		t.Errorf("after linking, the panel's links are for %q", got)
	}

	// Every other page opens under the prefix too.
	for _, sel := range []string{`a[href$="/achievements?person=anna"]`, `a[href$="/routines?person=anna"]`, `a[href$="/habits?person=anna"]`, `a[href$="/evidence?person=anna"]`, `a[href$="/oura?person=anna"]`, `a[href$="/people"]`, `a[href$="/tokens"]`, `a[href$="/diagnostics"]`} {
		submit("open "+sel, "nav.tabs "+sel)
		name := strings.Trim(sel[strings.LastIndex(sel, "/")+1:strings.IndexAny(sel+"?", "?")], `"]`)
		screenshot(t, ctx, filepath.Join(out, name+".png"))
	}
	// The dark theme follows the system's.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	submit("open today in the dark", `nav.tabs a:first-child`)
	screenshot(t, ctx, filepath.Join(out, "today-dark.png"))
	submit("open the tree in the dark", `nav.tabs a[href*="/character"]`)
	screenshot(t, ctx, filepath.Join(out, "tree-dark.png"))

	// No page is wider than the screen, on a phone (390 px) or a desktop
	// (1280 px), light or dark; each is kept as a picture.
	// A new token's secret has a Copy button.
	do("open tokens", chromedp.Navigate(base+"/tokens"), chromedp.WaitVisible(chromedp.ID("t-name")), chromedp.SendKeys(chromedp.ID("t-name"), "Wall tablet"))
	submit("create a token", "#add-token button")
	do("copy the secret", chromedp.WaitVisible(chromedp.CSS(`button[data-copy="new-secret"]`)), chromedp.Click(chromedp.CSS(`button[data-copy="new-secret"]`)))
	var copied string
	for range 30 { // the clipboard answers asynchronously
		if copied, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('button[data-copy="new-secret"]').textContent`)); err != nil || copied != "Copy" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || (copied != "Copied" && copied != "Selected: copy it") {
		t.Errorf("the Copy button says %q after a click (%v)", copied, err)
	}

	do("open the habits", chromedp.Navigate(base+"/habits?person=anna"))
	habitID := attr(`main a[href*="/habits/"]`, "href")
	habitID = habitID[strings.LastIndex(habitID, "/habits/")+len("/habits/"):]
	if i := strings.IndexByte(habitID, '?'); i >= 0 {
		habitID = habitID[:i]
	}
	for _, name := range []string{"Kitchen tablet by the fridge", "Phone shortcuts"} {
		if _, err := e.tokens.Create(context.Background(), app.TokenInput{Name: name, Scope: app.ScopeWrite, Person: "anna"}); err != nil {
			t.Fatal(err)
		}
	}
	pages := map[string]string{
		"today": "/?person=anna", "character": "/character?person=anna", "habits": "/habits?person=anna",
		"habit": "/habits/" + habitID + "?person=anna", "routines": "/routines?person=anna",
		"evidence": "/evidence?person=anna", "oura": "/oura?person=anna", "people": "/people",
		"tokens": "/tokens", "diagnostics": "/diagnostics", "docs": "/docs", "home-assistant": "/home-assistant?file=package",
		"achievements": "/achievements?person=anna", "goals": "/goals?person=anna", "todos": "/todos?person=anna",
		"data": "/data?person=anna", "insights": "/insights?person=anna",
	}
	for _, theme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: theme}}}); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{390, 1280} {
			if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: width, Height: 900, DeviceScaleFactor: 1, Mobile: width < 600}); err != nil {
				t.Fatal(err)
			}
			for _, name := range slices.Sorted(maps.Keys(pages)) {
				ready := chromedp.WaitReady(chromedp.CSS("body"))
				if name == "docs" { // the operations come from a script
					ready = chromedp.WaitVisible(chromedp.CSS("#ops .op"))
				}
				do("open "+name, chromedp.Navigate(base+pages[name]), ready)
				wide, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
				if err != nil {
					t.Fatal(err)
				}
				if wide > width {
					t.Errorf("%s at %d px (%s) is %d px wide", name, width, theme, wide)
				}
				screenshot(t, ctx, filepath.Join(out, fmt.Sprintf("%s-%d-%s.png", name, width, theme)))
			}
		}
	}
	// On a phone, a rule naming an entity HA does not have is refused on
	// the form with what to do, and the page stays within the screen.
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: 390, Height: 900, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	do("open the evidence rules", chromedp.Navigate(base+"/evidence?person=anna"), chromedp.WaitVisible(chromedp.ID("e-sensors")))
	do("name a sensor HA does not have", chromedp.SetValue(chromedp.ID("e-name"), "In bed"), chromedp.SetValue(chromedp.ID("e-sensors"), "binary_sensor.bedd"),
		chromedp.SetValue(chromedp.ID("e-sensors-2"), "zigbee2mqtt/kitchen/fridge door/occupancy"))
	submit("add the rule", "#add-rule > button")
	refusal, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.field-error[data-field="sensors"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refusal, `("binary_sensor.bedd") is not an entity Home Assistant has`) || !strings.Contains(refusal, "is not a property any Zigbee2MQTT device exposes") {
		t.Errorf("the refusal says %q", refusal)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); err != nil || wide > 390 {
		t.Errorf("the refused rule form at 390 px is %d px wide (%v)", wide, err)
	}
	screenshot(t, ctx, filepath.Join(out, "evidence-refused-390.png"))
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	// In Home Assistant's frame the panel follows HA's theme, not the
	// system's: the system says light here.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}}); err != nil {
		t.Fatal(err)
	}
	frameTheme := func(step string) (theme, bg string) {
		t.Helper()
		const read = `(() => { const d = document.getElementById("panel").contentDocument;
			return d && d.readyState === "complete" && d.body ? [d.documentElement.dataset.theme || "", d.defaultView.getComputedStyle(d.body).backgroundColor] : null })()`
		for range 50 {
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](read))
			if err == nil && len(got) == 2 {
				return got[0], got[1]
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: the panel in HA's frame did not load", step)
		return "", ""
	}
	for _, tc := range []struct{ scheme, bg, want, wantBg string }{
		{"dark", "#111111", "dark", "rgb(17, 17, 17)"},               // HA's default theme in dark mode
		{"light", "#fafafa", "light", "rgb(250, 250, 250)"},          // and in light mode
		{"dark light", "rgb(20, 24, 38)", "dark", "rgb(17, 17, 17)"}, // a custom dark theme: from its background
		{"dark light", "#fdf6e3", "light", "rgb(250, 250, 250)"},     // a custom light one
	} {
		q := url.Values{"scheme": {tc.scheme}, "bg": {tc.bg}}
		do("open HA's page ("+tc.scheme+", "+tc.bg+")", chromedp.Navigate(proxy.server.URL+haFramePath+"?"+q.Encode()), chromedp.WaitReady(chromedp.ID("panel")))
		theme, bg := frameTheme(tc.scheme)
		if theme != tc.want || bg != tc.wantBg {
			t.Errorf("HA's theme %q on %s: the panel is %q with background %s, want %q with %s", tc.scheme, tc.bg, theme, bg, tc.want, tc.wantBg)
		}
		screenshot(t, ctx, filepath.Join(out, "ha-frame-"+tc.want+"-"+strings.ReplaceAll(tc.scheme, " ", "_")+".png"))
	}
	// Switching HA to dark mode applies at once, without a reload.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { document.querySelector("meta[name=color-scheme]").setAttribute("content", "dark");
		document.documentElement.style.setProperty("--primary-background-color", "#111111"); return true })()`)); err != nil {
		t.Fatal(err)
	}
	var live string
	for range 30 {
		if live, _ = frameTheme("switch"); live == "dark" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if live != "dark" {
		t.Errorf("after HA switched to dark the panel is %q", live)
	}
	// Opened on its own (no HA around it) the panel follows the system.
	do("open the panel alone", chromedp.Navigate(base+"/achievements?person=anna"), chromedp.WaitReady(chromedp.CSS("body")))
	if theme, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dataset.theme || ""`)); err != nil || theme != "" {
		t.Errorf("outside HA the panel sets theme %q (%v); it should leave it to the system", theme, err)
	}

	problemsMu.Lock()
	var unexpected []string
	for _, p := range problems {
		if !strings.HasSuffix(p, expected) && !strings.HasSuffix(p, expectedRule) {
			unexpected = append(unexpected, p)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("the browser reported: %q", unexpected)
	}
	problemsMu.Unlock()
	if s := proxy.strays(); len(s) > 0 {
		t.Errorf("requests outside the ingress prefix: %q", s)
	}
	t.Logf("screenshots in %s", out)
	if os.Getenv("LIFEOPS_DOCS_SCREENSHOTS") != "" {
		exportDocScreenshots(t, out)
	}
}

// docScreenshots are the pictures docs/first-steps.md shows. Run the
// browser test with LIFEOPS_DOCS_SCREENSHOTS=1 to refresh them after a
// change to the pages; docs_test checks that the guide names only these.
var docScreenshots = []string{"today.png", "habits.png", "routines.png", "tree.png", "evidence.png", "tokens.png", "today-dark.png",
	"people.png", "achievements-390-light.png", "today-390-dark.png"}

func exportDocScreenshots(t *testing.T, from string) {
	t.Helper()
	dir := filepath.Join("..", "..", "docs", "images", "panel")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range docScreenshots {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d screenshots to %s", len(docScreenshots), dir)
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
