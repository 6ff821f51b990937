// Package setting is the error every library config's validation returns:
// it names the setting (the key of the config file, which is also the
// flag's name), the value given and what is wanted, so that a CLI can say
// "--bundle-size 7: want 50-100" without the library knowing about flags.
package setting

import (
	"errors"
	"fmt"
)

// ErrBad is what every *Error wraps.
var ErrBad = errors.New("bad setting")

// An Error names the setting that is wrong.
type Error struct {
	Setting string // e.g. "bundle-size"
	Value   string // as given; empty when missing
	Msg     string // what is wanted
	cause   error  // Msg as an error, wrapping what Errorf's %w verbs wrapped
}

func (e *Error) Error() string {
	if e.Value == "" {
		return e.Setting + ": " + e.Msg
	}
	return e.Setting + " " + e.Value + ": " + e.Msg
}

func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrBad}
	}
	return []error{ErrBad, e.cause}
}

// Errorf returns an *Error for setting with value (formatted with %v;
// nil or "" for none) and a message.
func Errorf(setting string, value any, format string, args ...any) error {
	v := ""
	if value != nil {
		v = fmt.Sprint(value)
	}
	cause := fmt.Errorf(format, args...)
	return &Error{Setting: setting, Value: v, Msg: cause.Error(), cause: cause}
}
