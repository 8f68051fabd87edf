package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// HAFiles writes one of the Home Assistant files for the household in the
// database (main wires internal/discovery/hafiles): name is package,
// sentences or dashboard; it returns where the file goes under HA's
// configuration folder and its YAML. Bad options are a
// *domain.ValidationError naming the option.
type HAFiles func(ctx context.Context, name, language, voicePerson string) (path string, content []byte, err error)

// HAFileBody is one generated Home Assistant file.
type HAFileBody struct {
	File     string `json:"file" enum:"package,sentences,dashboard" doc:"which file"`
	Path     string `json:"path" doc:"where it goes under Home Assistant's configuration folder" example:"dashboards/lifeops.yaml"`
	Language string `json:"language" doc:"the language of the sentences" example:"en"`
	Content  string `json:"content" doc:"the file's YAML, written for the people, habits, routine items and activity types LifeOps has now"`
}

func registerHAFiles(api huma.API, files HAFiles) {
	op(api, guard(huma.Operation{
		OperationID: "get-ha-file", Method: http.MethodGet, Path: "/api/v1/ha/{file}",
		Summary: "A Home Assistant file generated for the household",
		Description: "The YAML dashboard (one view per person with their habits and today's routine), the Assist sentences " +
			"(the household's people, habits, amounts and activity types as lists) or the package of scripts and intent scripts " +
			"(with the voice default person), written for the household as it is now: copy it into Home Assistant's configuration " +
			"folder at path. Generate it again after adding people, habits, routine items or activity types.",
		Tags: []string{"people"}, Errors: []int{422},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, in *struct {
		File        string `path:"file" enum:"package,sentences,dashboard" doc:"which file"`
		Language    string `query:"language" default:"en" doc:"the language of the sentences"`
		VoicePerson string `query:"voice_person" doc:"the person (id, slug or name) \"my\" means in a sentence; default the first"`
	}) (*struct{ Body HAFileBody }, error) {
		if files == nil {
			return nil, huma.Error503ServiceUnavailable("the Home Assistant files are not available in this server")
		}
		path, content, err := files(ctx, in.File, in.Language, in.VoicePerson)
		var ve *domain.ValidationError
		if errors.As(err, &ve) && len(ve.Fields) > 0 {
			f := ve.Fields[0]
			loc := "query." + f.Field
			if f.Field == "file" {
				loc = "path.file"
			}
			return nil, badParam(loc, f.Value, f.Reason)
		}
		if err != nil {
			return nil, err
		}
		return &struct{ Body HAFileBody }{HAFileBody{File: in.File, Path: path, Language: in.Language, Content: string(content)}}, nil
	})
}
