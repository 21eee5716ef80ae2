package strata.soc2_test

import rego.v1
