package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lifeops/lifeops/internal/domain"
)

// PersonDumpFormat names the version of a person's export.
const PersonDumpFormat = "lifeops-person/1"

// ExportStore reads and writes everything recorded about one person.
type ExportStore interface {
	// PersonDump reads every row about the person, table by table.
	PersonDump(ctx context.Context, personID int64) (PersonDump, error)
	// PersonRestore writes a dump back with its ids, in one transaction;
	// domain.ErrConflict when the ids are taken.
	PersonRestore(ctx context.Context, dump PersonDump) error
}

// PersonDump is a person's export: every table's rows about them, each row
// a JSON object of the stored columns.
type PersonDump struct {
	Format string      `json:"format"`
	Person string      `json:"person"`
	Tables []DumpTable `json:"tables"`
}

// DumpTable is one table of a PersonDump.
type DumpTable struct {
	Name    string            `json:"name"`
	Columns []string          `json:"columns"`
	Rows    []json.RawMessage `json:"rows"`
}

// ExportPerson reads everything recorded about a person: facts, derived
// history, character, routines, goals, imports.
func (s *Service) ExportPerson(ctx context.Context, personRef string) (PersonDump, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return PersonDump{}, err
	}
	d, err := s.store.PersonDump(ctx, p.Value.ID)
	d.Person = p.Value.Slug
	return d, err
}

// ImportPerson restores a person's export into this LifeOps, keeping every
// id, so the export re-imports losslessly.
func (s *Service) ImportPerson(ctx context.Context, d PersonDump) error {
	if d.Format != PersonDumpFormat {
		return domain.Invalid("format", d.Format, "want "+PersonDumpFormat)
	}
	return s.store.PersonRestore(ctx, d)
}

// ExportZip is a person's export as a zip: person.json (what ImportPerson
// reads) and one CSV per table under csv/.
func ExportZip(d PersonDump) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("person.json")
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	for _, t := range d.Tables {
		w, err := zw.Create("csv/" + t.Name + ".csv")
		if err != nil {
			return nil, err
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(t.Columns); err != nil {
			return nil, err
		}
		for _, r := range t.Rows {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(r, &obj); err != nil {
				return nil, fmt.Errorf("table %s: %w", t.Name, err)
			}
			rec := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				rec[i] = csvValue(obj[c])
			}
			if err := cw.Write(rec); err != nil {
				return nil, err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// csvValue is a JSON value as a spreadsheet reads it: strings bare, null
// empty, numbers, arrays and objects as their JSON.
func csvValue(v json.RawMessage) string {
	s := strings.TrimSpace(string(v))
	if s == "null" || s == "" {
		return ""
	}
	var str string
	if strings.HasPrefix(s, `"`) && json.Unmarshal(v, &str) == nil {
		return str
	}
	return s
}

// ReadPersonDump reads an export: the zip ExportZip writes or its
// person.json alone.
func ReadPersonDump(data []byte) (PersonDump, error) {
	var d PersonDump
	if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
		for _, f := range zr.File {
			if f.Name != "person.json" {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return d, err
			}
			defer rc.Close()
			if err := json.NewDecoder(rc).Decode(&d); err != nil {
				return d, &FormatError{File: "person.json", Reason: err.Error()}
			}
			return d, nil
		}
		return d, &FormatError{File: "person.json", Reason: "missing from the zip"}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, &FormatError{File: "person.json", Reason: err.Error()}
	}
	return d, nil
}
