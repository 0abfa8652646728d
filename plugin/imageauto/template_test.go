package imageauto

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/setters"
)

func TestRenderMessage(t *testing.T) {
	selected := setters.NewPolicies(
		setters.Policy{Namespace: "default", Name: "apps", Image: "ghcr.io/org/app", Tag: "master-5d6e7f8-1700000500"},
		setters.Policy{Namespace: "flux-system", Name: "web", Image: "reg.example.com:5000/web", Tag: "1.2.3"},
	)
	changes := []setters.Change{
		{File: "apps/web.yaml", Line: 9, Object: "Deployment web/web", Field: "spec.template.spec.containers[0].image", Setter: "flux-system:web",
			OldValue: "reg.example.com:5000/web:1.2.2", NewValue: "reg.example.com:5000/web:1.2.3"},
		{File: "apps/my-app.yaml", Line: 13, Object: "Application default/my-app", Field: "spec.components[0].properties.image", Setter: "default:apps",
			OldValue: "ghcr.io/org/app:master-9f1c2ab-1700000000", NewValue: "ghcr.io/org/app:master-5d6e7f8-1700000500"},
		{File: "apps/web.yaml", Line: 20, Object: "document 2", Field: "images[0].newTag", Setter: "flux-system:web:tag", OldValue: "1.2.2", NewValue: "1.2.3"},
	}
	data := commitData(changes, selected, ObjectName{Namespace: "default", Name: "apps"}, map[string]string{"env": "prod"})
	tests := map[string]struct {
		template, want, wantErr string
	}{
		"seed": {
			template: Subject + "\nImage: {{range .Updated.Images}}{{println .}}{{end}}",
			want:     "Update image automatically.\nImage: ghcr.io/org/app:master-5d6e7f8-1700000500\nreg.example.com:5000/web:1.2.3\n",
		},
		"default": {
			template: DefaultMessageTemplate,
			want:     "Update image automatically.\n\n- ghcr.io/org/app:master-5d6e7f8-1700000500\n- reg.example.com:5000/web:1.2.3\n",
		},
		"v1 changes in order": {
			template: "{{range .Changed.Changes}}{{.Setter}}: {{.OldValue}} -> {{.NewValue}}\n{{end}}",
			want: "default:apps: ghcr.io/org/app:master-9f1c2ab-1700000000 -> ghcr.io/org/app:master-5d6e7f8-1700000500\n" +
				"flux-system:web:tag: 1.2.2 -> 1.2.3\n" +
				"flux-system:web: reg.example.com:5000/web:1.2.2 -> reg.example.com:5000/web:1.2.3\n",
		},
		"v1 objects and file changes": {
			template: "{{range $o, $c := .Changed.Objects}}{{$o}} ({{len $c}})\n{{end}}{{range $f, $_ := .Changed.FileChanges}}{{$f}}\n{{end}}",
			want:     "document 2 (1)\nApplication default/my-app (1)\nDeployment web/web (1)\napps/my-app.yaml\napps/web.yaml\n",
		},
		"legacy files and objects": {
			template: "{{range $f, $r := .Updated.Files}}{{$f}}:{{range $o, $imgs := $r.Objects}} {{$o.Kind}}/{{$o.Name}}={{range $imgs}}{{.Identifier}}{{end}}{{end}}\n{{end}}" +
				"{{range $o, $_ := .Updated.Objects}}{{$o.Name}} {{end}}",
			want: "apps/my-app.yaml: Application/my-app=master-5d6e7f8-1700000500\napps/web.yaml: /document 2=1.2.3 Deployment/web=1.2.3\n" +
				"document 2 my-app web ",
		},
		"image parts": {
			template: "{{range .Updated.Images}}{{.Registry}}|{{.Repository}}|{{.Name}}|{{.Policy}}\n{{end}}",
			want:     "ghcr.io|org/app|ghcr.io/org/app|default/apps\nreg.example.com:5000|web|reg.example.com:5000/web|flux-system/web\n",
		},
		"automation object, values and sprig": {
			template: "{{.AutomationObject}} {{.Values.env | upper}} {{ list 3 1 2 | sortAlpha | join \",\" }}",
			want:     "default/apps PROD 1,2,3",
		},
		"no environment functions": {
			template: `{{ env "HOME" }}`,
			wantErr:  `function "env" not defined`,
		},
		"empty message": {
			template: "{{if false}}x{{end}}  \n",
			wantErr:  "the message is empty",
		},
		"unknown field": {
			template: "{{.Updated.Nope}}",
			wantErr:  "can't evaluate field Nope",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tmpl, err := ParseTemplate(tc.template)
			var got string
			if err == nil {
				got, err = RenderMessage(tmpl, data)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseObjectID(t *testing.T) {
	for in, want := range map[string]ObjectID{
		"Deployment web/app":  {Kind: "Deployment", Namespace: "web", Name: "app"},
		"Namespace apps":      {Kind: "Namespace", Name: "apps"},
		"document 3":          {Name: "document 3"},
		"Application a/b c/d": {Kind: "Application", Namespace: "a", Name: "b c/d"},
	} {
		if got := parseObjectID(in); got != want {
			t.Errorf("parseObjectID(%q) = %+v, want %+v", in, got, want)
		}
		if in != "Application a/b c/d" && parseObjectID(in).String() != in {
			t.Errorf("%q does not round-trip: %q", in, parseObjectID(in).String())
		}
	}
}
