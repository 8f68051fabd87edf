package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"slices"
	"strings"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/discovery/hafiles"
	"github.com/lifeops/lifeops/internal/domain"
)

// haGenerator writes the Home Assistant files for the household in svc's
// database, with the entity ids the entity bridge announces under cfg.
func haGenerator(svc *app.Service, cfg config.Config) hafiles.Generator {
	return hafiles.Generator{Source: svc, Version: version, BaseTopic: cfg.BaseTopic, Prefix: cfg.DiscoveryPrefix}
}

// cmdHA prints one of the Home Assistant files generated for the household:
// `lifeops ha dashboard|sentences|package [--language en] [--voice-person P]`.
func cmdHA(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || !slices.Contains(hafiles.FileNames(), args[0]) {
		return usagef("ha: want one of %s\n\n%s", strings.Join(hafiles.FileNames(), ", "), usage)
	}
	name := args[0]
	var voice string
	o, err := openOffline(ctx, "ha "+name, args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&voice, "voice-person", "", "the person (id, slug or name) \"my\" means in a sentence; default the first")
	})
	if err != nil {
		return err
	}
	defer o.pool.Close()
	if len(o.args) != 0 {
		return usagef("ha %s: unexpected %q\n\n%s", name, strings.Join(o.args, " "), usage)
	}
	// --language is the option LifeOps names entities in; the files follow
	// it, in English when it is left to Home Assistant.
	language := o.cfg.Language
	if language == "" {
		language = "en"
	}
	_, content, err := haGenerator(o.svc, o.cfg).File(ctx, name, language, voice)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return usagef("ha %s: %v", name, err)
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(content)
	return err
}
