package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// UploadForm is the multipart body of POST …/imports/{source}.
type UploadForm struct {
	File huma.FormFile `form:"file" contentType:"application/zip,application/json,application/octet-stream" required:"true" doc:"the export file: Loop's zip or Habitica's user data JSON"`
}

// ImportPath is the {person} and {id} of an import.
type ImportPath struct {
	PersonPath
	ID int64 `path:"id" minimum:"1" doc:"the import's id (import_id of its report)"`
}

type importOutput struct {
	Status   int
	Location string `header:"Location"`
	Body     app.ImportReport
}

func registerImports(api huma.API, svc *app.Service) {
	tags := []string{"imports"}
	registerUpload(api, "import-loop", "loop", "Import a Loop Habit Tracker export",
		"Upload the zip Loop writes (multipart field file, at most 32 MiB). Every Loop habit becomes a new habit; its days build "+
			"streaks and strength and pay no XP. All or nothing: a malformed file is a 422 naming the file, line and column. "+
			"dry_run=true reports what would be created (200) and changes nothing; otherwise 201 with the import's id, "+
			"which DELETE …/imports/{id} undoes.",
		svc.ImportLoop)
	registerUpload(api, "import-habitica", "habitica", "Import Habitica's user data export",
		"Upload the JSON Habitica's \"Export data → User data (JSON)\" writes (multipart field file, at most 32 MiB). Dailies with their "+
			"repeat rules and history and habits scored up become new habits whose days build streaks and strength and pay no XP; "+
			"down-only habits, to-dos and rewards are reported as skipped. All or nothing: malformed JSON is a 422 naming its line and column. "+
			"dry_run=true reports what would be created (200); otherwise 201 with the import's id, which DELETE …/imports/{id} undoes.",
		svc.ImportHabitica)
	op(api, scoped(huma.Operation{
		OperationID: "undo-import", Method: http.MethodDelete, Path: "/api/v1/people/{person}/imports/{id}",
		Summary: "Undo an import", Description: "Removes everything the import created (its habits with their days, check-ins and pauses) and nothing else.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *ImportPath) (*struct{}, error) {
		return nil, svc.UndoImport(ctx, in.Person, in.ID)
	})
}

// registerUpload registers POST …/imports/{source}: a multipart upload of
// another app's export, handed to importer.
func registerUpload(api huma.API, id, source, summary, description string,
	importer func(ctx context.Context, person string, data []byte, dryRun bool) (app.ImportReport, error)) {
	o := scoped(huma.Operation{
		OperationID: id, Method: http.MethodPost, Path: "/api/v1/people/{person}/imports/" + source,
		Summary: summary, Description: description,
		Tags: []string{"imports"}, DefaultStatus: http.StatusCreated, Errors: []int{404, 413, 422},
	}, "path")
	o.Responses = map[string]*huma.Response{"200": {Description: "the dry run's report: what the import would create",
		Content: map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{Ref: "#/components/schemas/ImportReport"}}}}}
	o.Metadata[metaUpload] = int64(app.MaxImportBytes + 64<<10) // the multipart framing around the file
	op(api, o, func(ctx context.Context, in *struct {
		PersonPath
		DryRun  bool `query:"dry_run" doc:"report what would be created and change nothing"`
		RawBody huma.MultipartFormFiles[UploadForm]
	}) (*importOutput, error) {
		form := in.RawBody.Data()
		data, err := io.ReadAll(io.LimitReader(form.File, app.MaxImportBytes+1))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, huma.Error413RequestEntityTooLarge("the upload is larger than 32 MiB")
			}
			return nil, err
		}
		if len(data) > app.MaxImportBytes {
			return nil, huma.Error413RequestEntityTooLarge("the export is larger than 32 MiB")
		}
		rep, err := importer(ctx, in.Person, data, in.DryRun)
		var fe *app.FormatError
		if errors.As(err, &fe) {
			return nil, domain.Invalid("file", fe.Error(), "malformed "+source+" export")
		}
		if err != nil {
			return nil, err
		}
		if in.DryRun {
			return &importOutput{Status: http.StatusOK, Body: rep}, nil
		}
		return &importOutput{Status: http.StatusCreated, Location: "/api/v1/people/" + in.Person + "/imports/" + strconv.FormatInt(rep.ImportID, 10), Body: rep}, nil
	})
}
