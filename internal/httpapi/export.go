package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
)

type zipOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func registerExport(api huma.API, svc *app.Service) {
	op(api, scoped(huma.Operation{
		OperationID: "export-person", Method: http.MethodGet, Path: "/api/v1/people/{person}/export",
		Summary: "Export everything recorded about a person",
		Description: "A zip with person.json (every table's rows about the person: facts, derived history, character, routines, " +
			"goals, imports; what lifeops import lifeops restores) and one CSV per table under csv/. Tokens and OAuth state are " +
			"left out. A person's token exports only its own person.",
		Tags: []string{"imports"}, Errors: []int{404},
		Responses: map[string]*huma.Response{"200": {Description: "the export", Content: map[string]*huma.MediaType{
			"application/zip": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}},
		}}},
	}, "path"), func(ctx context.Context, in *PersonPath) (*zipOutput, error) {
		d, err := svc.ExportPerson(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		b, err := app.ExportZip(d)
		if err != nil {
			return nil, err
		}
		return &zipOutput{ContentType: "application/zip", ContentDisposition: `attachment; filename="lifeops-` + d.Person + `.zip"`,
			CacheControl: "no-store", Body: b}, nil
	})
}
