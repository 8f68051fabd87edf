package main

import (
	"encoding/json"
	"io"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/httpapi"
)

func cmdOpenAPI(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usagef("usage: lifeops openapi")
	}
	api := httpapi.New(httpapi.Options{Version: version, Logger: zerolog.Nop(), Health: app.NewHealth()})
	b, err := json.MarshalIndent(api.OpenAPI(), "", "  ")
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}
