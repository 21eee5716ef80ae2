package strata.gdpr_test

import rego.v1
