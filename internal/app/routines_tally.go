package app

import (
	"context"

	"github.com/lifeops/lifeops/internal/domain"
)

// routineTally counts a person's routine items due and done on day for the
// score. Until routines are stored, no person has any: the component is
// absent, which the score treats as missing rather than as zero.
func (s *Service) routineTally(ctx context.Context, tx Store, personID int64, day domain.Day) (domain.Tally, error) {
	return domain.Tally{}, nil
}
