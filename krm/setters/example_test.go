package setters_test

import (
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/setters"
)

func ExampleSetBytes() {
	in := []byte(`spec:
  containers:
    - name: app
      image: "ghcr.io/org/app:1.0.0" # {"$imagepolicy": "flux-system:app"}
`)
	policies := setters.NewPolicies(setters.Policy{Namespace: "flux-system", Name: "app", Image: "ghcr.io/org/app", Tag: "1.1.0"})
	res, err := setters.SetBytes("deploy.yaml", in, policies)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(res.Data))
	fmt.Println(res.Changes[0].Field, res.Changes[0].OldValue, "->", res.Changes[0].NewValue)
	// Output:
	// spec:
	//   containers:
	//     - name: app
	//       image: "ghcr.io/org/app:1.1.0" # {"$imagepolicy": "flux-system:app"}
	// spec.containers[0].image ghcr.io/org/app:1.0.0 -> ghcr.io/org/app:1.1.0
}

func ExampleParseMarker() {
	m, ok, err := setters.ParseMarker(`# {"$imagepolicy": "flux-system:app:tag"}`)
	fmt.Println(m.PolicyID(), m.Part, ok, err)
	// Output: flux-system:app tag true <nil>
}
