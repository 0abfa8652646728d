package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// Output formats of the commands that print results.
const (
	OutputTable = "table"
	OutputYAML  = "yaml"
	OutputJSON  = "json"
)

// OutputOptions hold the -o flag: a table for people, YAML or JSON of the
// same result value for machines.
type OutputOptions struct {
	Output string
}

func (o *OutputOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Output, "output", "o", OutputTable, "output format: table, yaml or json")
}

func (o *OutputOptions) validate() error {
	switch o.Output {
	case OutputTable, OutputYAML, OutputJSON:
		return nil
	}
	return fmt.Errorf("--output %q: want table, yaml or json", o.Output)
}

// machine reports whether the output is for machines (yaml or json).
func (o *OutputOptions) machine() bool { return o.Output == OutputYAML || o.Output == OutputJSON }

// print writes v as YAML or JSON.
func (o *OutputOptions) print(out io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if o.Output == OutputYAML {
		if data, err = yaml.JSONToYAML(data); err != nil {
			return err
		}
	} else {
		data = append(data, '\n')
	}
	_, err = out.Write(data)
	return err
}

// newTable starts a table as kubectl prints them (columns three spaces
// apart) with its header row.
func newTable(out io.Writer, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}
