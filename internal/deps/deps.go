package deps
import (
 _ "github.com/hashicorp/go-retryablehttp"
 _ "github.com/google/go-cmp/cmp"
 _ "github.com/samply/golang-fhir-models/fhir-models/fhir"
 _ "golang.org/x/time/rate"
 _ "github.com/nyaruka/phonenumbers"
 _ "go.yaml.in/yaml/v3"
)
