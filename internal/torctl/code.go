package torctl

import "strconv"

// A Code is a reply's three-digit status (control-spec section 4).
type Code int

// Status codes tor sends.
const (
	CodeOK              Code = 250 // command done
	CodeUnnecessary     Code = 251 // operation was unnecessary
	CodeExhausted       Code = 451 // resource exhausted
	CodeSyntaxProtocol  Code = 500 // syntax error: protocol
	CodeUnrecognized    Code = 510 // unrecognized command
	CodeUnimplemented   Code = 511 // unimplemented command
	CodeSyntaxArgument  Code = 512 // syntax error in command argument
	CodeUnknownArgument Code = 513 // unrecognized command argument
	CodeAuthRequired    Code = 514 // authentication required (connection closed)
	CodeBadAuth         Code = 515 // bad authentication (connection closed)
	CodeUnspecified     Code = 550 // unspecified tor error (e.g. onion address collision)
	CodeInternal        Code = 551 // internal error
	CodeUnknownEntity   Code = 552 // unrecognized entity (e.g. unknown onion service id)
	CodeInvalidConfig   Code = 553 // invalid configuration value
	CodeInvalidDesc     Code = 554 // invalid descriptor
	CodeUnmanagedEntity Code = 555 // unmanaged entity
	CodeAsync           Code = 650 // asynchronous event notification
)

var codeNames = map[Code]string{
	CodeOK: "OK", CodeUnnecessary: "unnecessary", CodeExhausted: "resource exhausted",
	CodeSyntaxProtocol: "protocol syntax error", CodeUnrecognized: "unrecognized command",
	CodeUnimplemented: "unimplemented command", CodeSyntaxArgument: "argument syntax error",
	CodeUnknownArgument: "unrecognized argument", CodeAuthRequired: "authentication required",
	CodeBadAuth: "bad authentication", CodeUnspecified: "unspecified error",
	CodeInternal: "internal error", CodeUnknownEntity: "unrecognized entity",
	CodeInvalidConfig: "invalid configuration value", CodeInvalidDesc: "invalid descriptor",
	CodeUnmanagedEntity: "unmanaged entity", CodeAsync: "event",
}

func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return strconv.Itoa(int(c)) + " " + n
	}
	return strconv.Itoa(int(c))
}

// OK reports a 2xx code.
func (c Code) OK() bool { return c >= 200 && c < 300 }
