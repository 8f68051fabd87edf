// Command lifeops runs LifeOps and its maintenance tasks. main wires concrete
// types together; nothing else in the program looks anything up.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/redact"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes: 2 is bad usage or invalid configuration, as DESIGN.md promises.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks errors that are the caller's to fix.
var errUsage = errors.New("usage")

type usageError struct{ msg string }

func (e usageError) Error() string   { return e.msg }
func (e usageError) Is(t error) bool { return t == errUsage }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

const usage = `lifeops — life management for Home Assistant

Usage:
  lifeops serve [--demo] [flags]  run everything (--demo: seed a demo household into an empty database)
  lifeops demo remove [flags]     delete exactly the demo household
  lifeops migrate up|down N|status [flags]
  lifeops config check [flags]    validate and print the effective configuration (secrets redacted)
  lifeops token create --name N --scope read|write|admin [--person P]   create an API token, printed once
  lifeops backup --out FILE       write a consistent logical backup (gzip'd tar: manifest, tables)
  lifeops restore --in FILE       restore a backup into an empty database (one transaction, verified)
  lifeops verify                  recompute everything derived from the stored facts; exit 1 on differences
  lifeops import loop|habitica|undo|lifeops [--person P] [--dry-run] FILE|ID   import a Loop Habit Tracker export (zip) or Habitica's user data (JSON) into a person, undo one import by its id, or restore a person's LifeOps export
  lifeops export --person P --out FILE   write everything recorded about a person (JSON and CSV in a zip)
  lifeops entities [flags]        print the household's Home Assistant entity ids, event types and action fields (JSON)
  lifeops ha dashboard|sentences|package [--language en] [--voice-person P]   print a Home Assistant file generated for the household (a YAML dashboard, Assist sentences, the package of scripts and intent scripts)
  lifeops openapi                 print the OpenAPI 3.1 document
  lifeops healthcheck             exit 0 when the local server answers /healthz (the image's HEALTHCHECK)
  lifeops version                 print the version

Every setting is a flag, an env variable (LIFEOPS_*) and an add-on option;
run "lifeops serve -h" for the list.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, config.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	// Every word the program prints passes one redactor; loadConfig tells it
	// the configured secrets. stdout is left alone where it carries data
	// meant verbatim: a backup stream, the API document, a new token.
	red := redact.New()
	stderr = red.Writer(stderr)
	if !oneOf(args[0], "backup", "openapi", "token") {
		stdout = red.Writer(stdout)
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = cmdServe(ctx, rest, stderr, getenv)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr, getenv)
	case "config":
		err = cmdConfig(rest, stdout, stderr, getenv)
	case "demo":
		err = cmdDemo(ctx, rest, stdout, stderr, getenv)
	case "healthcheck":
		err = cmdHealthcheck(ctx, rest, stderr, getenv)
	case "openapi":
		err = cmdOpenAPI(rest, stdout)
	case "token":
		err = cmdToken(ctx, rest, stdout, stderr, getenv)
	case "entities":
		err = cmdEntities(ctx, rest, stdout, stderr, getenv)
	case "ha":
		err = cmdHA(ctx, rest, stdout, stderr, getenv)
	case "backup":
		err = cmdBackup(ctx, rest, stdout, stderr, getenv)
	case "restore":
		err = cmdRestore(ctx, rest, stderr, getenv)
	case "verify":
		err = cmdVerify(ctx, rest, stdout, stderr, getenv)
	case "import":
		err = cmdImport(ctx, rest, stdout, stderr, getenv)
	case "export":
		err = cmdExport(ctx, rest, stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "lifeops", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usagef("unknown command %q\n\n%s", cmd, usage)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "lifeops:", err)
		return exitUsage
	default:
		var cerr *config.Error
		fmt.Fprintln(stderr, "lifeops:", err)
		if errors.As(err, &cerr) {
			return exitUsage
		}
		return exitFailure
	}
}

// loadConfig parses flags into a validated Config. Both flag and config
// errors are the caller's to fix (exit 2).
// extra registers a command's own flags beside the settings.
func loadConfig(name string, args []string, stderr io.Writer, getenv func(string) string, extra ...func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("lifeops "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	loader := config.NewLoader(fs)
	for _, add := range extra {
		add(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, fs, err
		}
		return config.Config{}, fs, usagef("%v", err)
	}
	cfg, err := loader.LoadChecked(getenv)
	learnSecrets(stderr, cfg)
	return cfg, fs, err
}

// learnSecrets tells the redactor behind stderr (run's, shared with
// stdout) the configured secrets, before anything can print them, even when
// the configuration is invalid and its error echoes a value.
func learnSecrets(stderr io.Writer, cfg config.Config) {
	if w, ok := stderr.(*redact.Writer); ok {
		w.Redactor().Add(cfg.Secrets()...)
	}
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}
