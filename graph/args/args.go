// Package args decodes the API's arguments: global ids, checked for their type, become
// row ids, and a malformed one is the client's input error at its argument.
package args

import (
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// OptID decodes an optional global id argument of type typ.
func OptID(field string, id *string, typ string) (*string, error) {
	if id == nil {
		return nil, nil
	}
	v, err := globalid.DecodeAs(*id, typ)
	if err != nil {
		return nil, apperr.Input(field, err.Error())
	}
	return &v, nil
}
