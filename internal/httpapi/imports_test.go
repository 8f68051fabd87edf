package httpapi

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

func multipartZip(t *testing.T, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", "Loop Habits CSV 2026-03-09.zip")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

func TestImportLoopUpload(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	p := e.person("Uma")
	other := e.person("Vic")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	zip, err := os.ReadFile("../app/testdata/loop/loop-export.zip")
	if err != nil {
		t.Fatal(err)
	}
	body, ct := multipartZip(t, zip)
	hdr := map[string]string{"Content-Type": ct}

	// Another person's token may not import into Uma.
	e.do(req{method: "POST", path: base + "/imports/loop", token: e.token(app.ScopeWrite, other.Slug), body: body, header: hdr}).want(t, 403)

	own := e.token(app.ScopeWrite, p.Slug)
	var dry app.ImportReport
	e.do(req{method: "POST", path: base + "/imports/loop?dry_run=true", token: own, body: body, header: hdr}).want(t, 200).decode(t, &dry)
	if !dry.DryRun || len(dry.Habits) != 6 {
		t.Fatalf("dry run: %+v", dry)
	}
	var habits HabitList
	e.do(req{method: "GET", path: base + "/habits", token: own}).want(t, 200).decode(t, &habits)
	if len(habits.Items) != 0 {
		t.Fatalf("dry run created %d habits", len(habits.Items))
	}
	var rep app.ImportReport
	res := e.do(req{method: "POST", path: base + "/imports/loop", token: own, body: body, header: hdr}).want(t, 201)
	res.decode(t, &rep)
	if rep.ImportID == 0 || !strings.HasSuffix(res.Header.Get("Location"), fmt.Sprintf("/imports/%d", rep.ImportID)) {
		t.Fatalf("import: %+v %v", rep, res.Header)
	}
	e.do(req{method: "GET", path: base + "/habits", token: own}).want(t, 200).decode(t, &habits)
	if len(habits.Items) != 5 { // six imported, one of them archived
		t.Errorf("after the import: %d active habits", len(habits.Items))
	}
	// The imported streak unlocks streak achievements from history, with
	// no XP; the person's XP is what it was.
	var achs AchievementList
	e.do(req{method: "GET", path: base + "/achievements", token: own}).want(t, 200).decode(t, &achs)
	fromHistory := 0
	for _, a := range achs.Items {
		if a.UnlockedAt != nil && a.FromHistory {
			fromHistory++
		}
		if a.UnlockedAt != nil && strings.HasPrefix(a.Key, "streak_") && !a.FromHistory {
			t.Errorf("%s unlocked by the import is not marked from_history", a.Key)
		}
	}
	if fromHistory == 0 {
		t.Error("no achievement unlocked from history after importing a streak")
	}
	var ch CharacterBody
	e.do(req{method: "GET", path: base + "/character", token: own}).want(t, 200).decode(t, &ch)
	if ch.XP != 0 {
		t.Errorf("the import paid %d XP", ch.XP)
	}

	// A malformed export is a 422 naming file, line and column.
	bad, badCT := multipartZip(t, []byte("Position,Name\n1,x\n"))
	var pb problemBody
	e.do(req{method: "POST", path: base + "/imports/loop", token: own, body: bad, header: map[string]string{"Content-Type": badCT}}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || pb.Errors[0].Location != "body.file" || !strings.Contains(pb.Errors[0].Message, "malformed loop export") {
		t.Errorf("malformed: %+v", pb)
	}
	// Too large: refused before it is read whole.
	huge, hugeCT := multipartZip(t, bytes.Repeat([]byte{0}, app.MaxImportBytes+128<<10))
	e.do(req{method: "POST", path: base + "/imports/loop", token: own, body: huge, header: map[string]string{"Content-Type": hugeCT}}).want(t, 413)

	e.do(req{method: "DELETE", path: fmt.Sprintf("%s/imports/%d", base, rep.ImportID), token: own}).want(t, 204)
	e.do(req{method: "DELETE", path: fmt.Sprintf("%s/imports/%d", base, rep.ImportID), token: own}).want(t, 404)
	e.do(req{method: "GET", path: base + "/habits", token: own}).want(t, 200).decode(t, &habits)
	if len(habits.Items) != 0 {
		t.Errorf("after undo: %d habits", len(habits.Items))
	}
}

func TestExportPersonZip(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	p := e.person("Xia")
	other := e.person("Yan")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	e.do(req{method: "POST", path: base + "/activities", token: e.admin, body: map[string]any{"type": "run", "amount": 3, "at": "2026-03-10T07:00:00Z"}}).want(t, 201)
	e.do(req{method: "GET", path: base + "/export", token: e.token(app.ScopeRead, other.Slug)}).want(t, 403)
	res := e.do(req{method: "GET", path: base + "/export", token: e.token(app.ScopeRead, p.Slug)}).want(t, 200)
	if res.Header.Get("Content-Type") != "application/zip" || !strings.Contains(res.Header.Get("Content-Disposition"), "lifeops-xia.zip") {
		t.Errorf("headers %v", res.Header)
	}
	d, err := app.ReadPersonDump(res.body)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, tb := range d.Tables {
		rows[tb.Name] = len(tb.Rows)
	}
	if d.Person != "xia" || rows["people"] != 1 || rows["activities"] != 1 || rows["api_tokens"] != 0 {
		t.Errorf("export: %s %v", d.Person, rows)
	}
	if _, ok := rows["api_tokens"]; ok {
		t.Error("the export holds tokens")
	}
}

func TestImportHabiticaUpload(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	p := e.person("Hal")
	data, err := os.ReadFile("../app/testdata/habitica/user-data.json")
	if err != nil {
		t.Fatal(err)
	}
	body, ct := multipartZip(t, data)
	var rep app.ImportReport
	e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/people/%d/imports/habitica", p.ID), token: e.admin, body: body,
		header: map[string]string{"Content-Type": ct}}).want(t, 201).decode(t, &rep)
	if rep.ImportID == 0 || len(rep.Habits) != 6 || len(rep.Skipped) != 4 {
		t.Errorf("report: %+v", rep)
	}
	bad, badCT := multipartZip(t, []byte(`{"tasks": [`))
	var pb problemBody
	e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/people/%d/imports/habitica", p.ID), token: e.admin, body: bad,
		header: map[string]string{"Content-Type": badCT}}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || !strings.Contains(pb.Errors[0].Message, "malformed habitica export") {
		t.Errorf("malformed: %+v", pb)
	}
}
