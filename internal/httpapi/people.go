package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// PersonBody is a person as the API shows it.
type PersonBody struct {
	ID       int64  `json:"id" doc:"stable id; entities are built from it"`
	Name     string `json:"name"`
	Slug     string `json:"slug" doc:"seeds entity ids: sensor.lifeops_<slug>_…"`
	EntityID string `json:"entity_id,omitempty" doc:"the linked HA person entity"`
	Color    string `json:"color" doc:"#rrggbb"`
	HAUserID string `json:"ha_user_id,omitempty" doc:"the Home Assistant user who is this person: the panel opens on them under ingress"`
	Version  int    `json:"version" doc:"the ETag: send it back in If-Match to update"`
}

func personBody(v app.Versioned[domain.Person]) PersonBody {
	p := v.Value
	return PersonBody{ID: p.ID, Name: p.Name, Slug: p.Slug, EntityID: p.EntityID, Color: p.Color, HAUserID: p.HAUserID, Version: v.Version}
}

// PersonPath is the {person} of every person-scoped path.
type PersonPath struct {
	Person string `path:"person" doc:"the person's id, slug or name, in any case (Anna, anna)" minLength:"1" maxLength:"80"`
}

type personOutput struct {
	ETag string `header:"ETag"`
	Body PersonBody
}

type personCreated struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     PersonBody
}

// PersonList is the household.
type PersonList struct {
	Items []PersonBody `json:"items"`
}

type peopleOutput struct {
	Body PersonList
}

// PersonCreate is the body of POST /api/v1/people.
type PersonCreate struct {
	Name     string `json:"name" minLength:"1" maxLength:"80"`
	Slug     string `json:"slug,omitempty" maxLength:"40" doc:"default: derived from the name"`
	EntityID string `json:"entity_id,omitempty" doc:"an HA person entity, like person.anna"`
	Color    string `json:"color,omitempty" doc:"#rrggbb; default: the next palette colour"`
	HAUserID string `json:"ha_user_id,omitempty" maxLength:"64" doc:"the id of the Home Assistant user who is this person (Settings → People → Users); one HA user is one person at most"`
}

// PersonPatch is the body of PATCH /api/v1/people/{person}: absent fields
// stay as they are.
type PersonPatch struct {
	Name     *string `json:"name,omitempty" minLength:"1" maxLength:"80"`
	Slug     *string `json:"slug,omitempty" maxLength:"40"`
	EntityID *string `json:"entity_id,omitempty"`
	Color    *string `json:"color,omitempty"`
	HAUserID *string `json:"ha_user_id,omitempty" maxLength:"64" doc:"link the Home Assistant user who is this person; an empty string unlinks"`
}

// IfMatch is the optional precondition of an update.
type IfMatch struct {
	IfMatch string `header:"If-Match" doc:"the ETag last read; the update fails with 412 when the resource changed since"`
}

// version reads an If-Match value; 0 means no precondition. A value that is
// no ETag of ours can match nothing.
func (m IfMatch) version() (int, error) {
	v := strings.TrimSpace(m.IfMatch)
	if v == "" || v == "*" {
		return 0, nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, huma.Error412PreconditionFailed("If-Match does not match the current ETag")
	}
	return n, nil
}

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

func registerPeople(api huma.API, svc *app.Service) {
	tags := []string{"people"}
	op(api, guard(huma.Operation{
		OperationID: "list-people", Method: http.MethodGet, Path: "/api/v1/people",
		Summary: "List the household", Description: "Everyone in the household, oldest first.", Tags: tags,
	}, access{scope: app.ScopeRead}), func(ctx context.Context, _ *struct{}) (*peopleOutput, error) {
		people, err := svc.People(ctx)
		if err != nil {
			return nil, err
		}
		out := &peopleOutput{}
		out.Body.Items = make([]PersonBody, len(people))
		for i, p := range people {
			out.Body.Items[i] = personBody(p)
		}
		return out, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "create-person", Method: http.MethodPost, Path: "/api/v1/people",
		Summary: "Add a person", Description: "Adds a person; slug and colour are derived when absent. Answers the ETag of the new person.", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, in *struct{ Body PersonCreate }) (*personCreated, error) {
		p, err := svc.CreatePerson(ctx, app.PersonInput{Name: in.Body.Name, Slug: in.Body.Slug, EntityID: in.Body.EntityID, Color: in.Body.Color, HAUserID: in.Body.HAUserID})
		if err != nil {
			return nil, err
		}
		return &personCreated{ETag: etag(p.Version), Location: "/api/v1/people/" + strconv.FormatInt(p.Value.ID, 10), Body: personBody(p)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-person", Method: http.MethodGet, Path: "/api/v1/people/{person}",
		Summary: "Read a person", Description: "Answers the person with its ETag, for a later If-Match.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*personOutput, error) {
		p, err := svc.Person(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		return &personOutput{ETag: etag(p.Version), Body: personBody(p)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-person", Method: http.MethodPatch, Path: "/api/v1/people/{person}",
		Summary: "Change a person", Description: "A rename keeps the id, so HA entities survive it. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 409, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		IfMatch
		Body PersonPatch
	}) (*personOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		b := in.Body
		p, err := svc.UpdatePerson(ctx, in.Person, app.PersonPatch{Name: b.Name, Slug: b.Slug, EntityID: b.EntityID, Color: b.Color, HAUserID: b.HAUserID}, v)
		if err != nil {
			return nil, err
		}
		return &personOutput{ETag: etag(p.Version), Body: personBody(p)}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "delete-person", Method: http.MethodDelete, Path: "/api/v1/people/{person}",
		Summary: "Remove a person and everything recorded about them", Description: "Deletes the person with every activity, check-in, habit and score recorded for them.", Tags: tags,
		DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, access{scope: app.ScopeAdmin, person: "path"}), func(ctx context.Context, in *PersonPath) (*struct{}, error) {
		return nil, svc.DeletePerson(ctx, in.Person)
	})
}
