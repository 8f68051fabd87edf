package domain

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Value stores a Day as an SQL date. database/sql/driver is part of the
// standard library and describes values, not I/O, so the domain keeps its
// no-I/O promise while storage reads and writes days without wrappers.
func (d Day) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads an SQL date (as time.Time or text) into a Day.
func (d *Day) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Day{}
		return nil
	case time.Time:
		*d = NewDay(v.Year(), v.Month(), v.Day())
		return nil
	case string:
		p, err := ParseDay(v)
		*d = p
		return err
	case []byte:
		p, err := ParseDay(string(v))
		*d = p
		return err
	}
	return fmt.Errorf("day: cannot scan %T", src)
}
