package imagepolicy_test

import (
	"fmt"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
)

func ExampleCompile() {
	sel, err := imagepolicy.Compile(imagepolicy.Spec{
		Policy:     imagepolicy.Choice{Numerical: &imagepolicy.Numerical{Order: "asc"}},
		FilterTags: &imagepolicy.TagFilter{Pattern: `^master-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tag, err := sel.Select([]string{"master-9f1c2ab-1700000000", "master-0aa11bb-1700000500", "latest"})
	fmt.Println(tag, err)
	// Output: master-0aa11bb-1700000500 <nil>
}

func ExampleLoad() {
	srcs, err := imagepolicy.Load("policy.yaml", []byte(`apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: app, namespace: flux-system}
spec:
  imageRepositoryRef: {name: app}
  policy: {semver: {range: ">=1.0.0"}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	sel, _ := srcs[0].Compile()
	tag, _ := sel.Select([]string{"v1.0.0", "v1.2.0", "v2.0.0-rc.1"})
	fmt.Println(srcs[0].Ref(), tag)
	// Output: ImagePolicy flux-system/app v1.2.0
}

func ExampleParseVersion() {
	for _, s := range []string{"v1.2.3", "2025.02.03", "1.5", "V1.0.0"} {
		_, ok := imagepolicy.ParseVersion(s)
		fmt.Println(s, ok)
	}
	// Output:
	// v1.2.3 true
	// 2025.02.03 true
	// 1.5 false
	// V1.0.0 false
}
