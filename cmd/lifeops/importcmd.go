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
	if len(args) == 0 || (args[0] != "loop" && args[0] != "undo") {
		return usagef("import: want loop or undo\n\n%s", usage)
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
	f, err := os.Open(o.args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, app.MaxImportBytes+1))
	if err != nil {
		return err
	}
	if len(data) > app.MaxImportBytes {
		return fmt.Errorf("%s: larger than %d bytes", o.args[0], app.MaxImportBytes)
	}
	rep, err := o.svc.ImportLoop(ctx, person, data, dryRun)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
