package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/lifeops/lifeops/internal/app"
)

// cmdImport brings another app's history into a person (import loop FILE)
// or takes one import back (import undo ID). It prints the report as JSON.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "loop" && args[0] != "habitica" && args[0] != "undo" && args[0] != "lifeops") {
		return usagef("import: want loop, habitica, undo or lifeops\n\n%s", usage)
	}
	what := args[0]
	var person string
	var dryRun bool
	o, err := openOffline(ctx, "import "+what, args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the person (id or slug) to import into")
		fs.BoolVar(&dryRun, "dry-run", false, "report what would be created and change nothing")
	})
	if err != nil {
		return err
	}
	defer o.pool.Close()
	if what == "lifeops" {
		if len(o.args) != 1 {
			return usagef("import lifeops: want the export's file\n\n%s", usage)
		}
		data, err := readLimited(o.args[0])
		if err != nil {
			return err
		}
		d, err := app.ReadPersonDump(data)
		if err != nil {
			return err
		}
		if err := o.svc.ImportPerson(ctx, d); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored %s (%d tables)\n", d.Person, len(d.Tables))
		return nil
	}
	if person == "" || len(o.args) != 1 {
		return usagef("import %s: want --person P and one argument\n\n%s", what, usage)
	}
	if what == "undo" {
		id, err := strconv.ParseInt(o.args[0], 10, 64)
		if err != nil {
			return usagef("import undo: %q is not an import id", o.args[0])
		}
		if err := o.svc.UndoImport(ctx, person, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "import %d undone\n", id)
		return nil
	}
	data, err := readLimited(o.args[0])
	if err != nil {
		return err
	}
	importer := o.svc.ImportLoop
	if what == "habitica" {
		importer = o.svc.ImportHabitica
	}
	rep, err := importer(ctx, person, data, dryRun)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// readLimited reads a file of at most app.MaxImportBytes.
func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, app.MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > app.MaxImportBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, app.MaxImportBytes)
	}
	return data, nil
}

// cmdExport writes a person's export (JSON and CSV in a zip) to --out.
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var person, out string
	o, err := openOffline(ctx, "export", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "the person (id or slug) to export")
		fs.StringVar(&out, "out", "", "the zip file to write")
	})
	if err != nil {
		return err
	}
	defer o.pool.Close()
	if person == "" || out == "" || len(o.args) != 0 {
		return usagef("export: want --person P --out FILE\n\n%s", usage)
	}
	d, err := o.svc.ExportPerson(ctx, person)
	if err != nil {
		return err
	}
	b, err := app.ExportZip(d)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return err
	}
	rows := 0
	for _, t := range d.Tables {
		rows += len(t.Rows)
	}
	fmt.Fprintf(stdout, "exported %s: %d tables, %d rows to %s\n", d.Person, len(d.Tables), rows, out)
	return nil
}
