package discovery

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CommandKind says what a command asks for.
type CommandKind string

// Command kinds.
const (
	CommandCheckIn      CommandKind = "check_in"
	CommandAmount       CommandKind = "amount"
	CommandCompleteItem CommandKind = "complete_item"
	CommandAllocate     CommandKind = "allocate"
	CommandVacation     CommandKind = "vacation"
)

// Command is a parsed command from an HA button, select or switch.
type Command struct {
	Kind     CommandKind
	PersonID int64
	HabitID  int64   // CommandCheckIn, CommandAmount
	Amount   float64 // CommandAmount: what to log, > 0
	ItemID   int64   // CommandCompleteItem
	NodeID   string  // CommandAllocate
	On       bool    // CommandVacation
}

var (
	// ErrNotCommand means the topic is not a LifeOps command topic; the
	// message is not for the command handler.
	ErrNotCommand = errors.New("not a lifeops command topic")
	// ErrBadCommand means the topic or payload is malformed; the error
	// wrapping it says which part and why.
	ErrBadCommand = errors.New("malformed command")
)

// ParseCommand reads a command from a message on one of CommandFilters(base).
func ParseCommand(base, topic string, payload []byte) (Command, error) {
	rest, ok := strings.CutPrefix(topic, base+"/")
	if !ok || !strings.HasSuffix(rest, "/set") {
		return Command{}, fmt.Errorf("topic %q: %w", topic, ErrNotCommand)
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/set"), "/")
	bad := func(format string, a ...any) error {
		return fmt.Errorf("command %q: %s: %w", topic, fmt.Sprintf(format, a...), ErrBadCommand)
	}
	personID, err := parseID(parts[0])
	if err != nil {
		return Command{}, bad("person id %q: %v", parts[0], err)
	}
	cmd := Command{PersonID: personID}
	body := strings.TrimSpace(string(payload))
	press := func() error {
		if body != PayloadPress {
			return bad("payload %q: want %q", clip(body), PayloadPress)
		}
		return nil
	}
	switch what := parts[1:]; {
	case len(what) == 3 && what[0] == "habit" && what[2] == "check_in":
		cmd.Kind = CommandCheckIn
		if cmd.HabitID, err = parseID(what[1]); err != nil {
			return Command{}, bad("habit id %q: %v", what[1], err)
		}
		return cmd, press()
	case len(what) == 3 && what[0] == "habit" && what[2] == "amount":
		cmd.Kind = CommandAmount
		if cmd.HabitID, err = parseID(what[1]); err != nil {
			return Command{}, bad("habit id %q: %v", what[1], err)
		}
		v, err := strconv.ParseFloat(body, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Command{}, bad("payload %q: want an amount, a number like 0.25", clip(body))
		}
		if v <= 0 || v > maxAmount {
			return Command{}, bad("payload %q: want an amount more than 0 and at most %v", clip(body), maxAmount)
		}
		cmd.Amount = v
		return cmd, nil
	case len(what) == 4 && what[0] == "routine" && what[1] == "item" && what[3] == "complete":
		cmd.Kind = CommandCompleteItem
		if cmd.ItemID, err = parseID(what[2]); err != nil {
			return Command{}, bad("item id %q: %v", what[2], err)
		}
		return cmd, press()
	case len(what) == 2 && what[0] == "stat_tree" && what[1] == "allocate":
		cmd.Kind = CommandAllocate
		id, ok := parseNodeOption(body)
		if !ok {
			return Command{}, bad("payload %q: want a node option like \"Iron Body (#str_1)\" or a node id", clip(body))
		}
		cmd.NodeID = id
		return cmd, nil
	case len(what) == 1 && what[0] == "vacation":
		cmd.Kind = CommandVacation
		switch body {
		case PayloadOn:
			cmd.On = true
		case PayloadOff:
		default:
			return Command{}, bad("payload %q: want %q or %q", clip(body), PayloadOn, PayloadOff)
		}
		return cmd, nil
	default:
		return Command{}, fmt.Errorf("topic %q: %w", topic, ErrNotCommand)
	}
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("must be a positive integer")
	}
	return id, nil
}

// clip keeps error messages short when someone publishes a novel.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
