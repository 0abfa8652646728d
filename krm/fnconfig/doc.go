// Package fnconfig loads the function config of this repository's KRM
// functions (render-application, set-image, patch-application) one way,
// after kyaml's framework.LoadFunctionConfig, and stricter:
//
//   - no config, or kpt's default config (a ConfigMap with no data), is no
//     config: the function's own defaults hold;
//   - a ConfigMap with data (`kpt fn eval -- key=value`) and any apiVersion
//     or kind the function does not accept are refused, naming the kinds it
//     accepts;
//   - the config is decoded strictly: a field the kind does not have is an
//     error naming it (a misspelt field is never ignored). metadata, which
//     kustomize and kpt fill with their annotations, is not checked;
//   - then Default(), then Validate().
//
// Result turns a load error into the framework.Result a function returns,
// naming the config's file and object.
package fnconfig
