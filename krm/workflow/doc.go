// Package workflow turns an Application's policies and workflow into a plan
// of units the way KubeVela's workflow would run them: which components go
// to which cluster and namespace (topology policies), with which override
// policies applied, and which unit waits for which.
//
// With no workflow, the steps are generated as KubeVela's default workflow
// does: one `deploy` step per topology policy (every override policy
// first); else one `deploy` step with the override policies, if any (or if a
// component is `ref-objects`); else one `apply-component` step per component,
// depending on the component's `dependsOn`. Generated steps run as a DAG;
// explicit steps run step by step unless spec.workflow.mode says otherwise.
//
// Step types honoured: deploy, apply-component, apply-object, suspend,
// step-group and depends-on-app; any other is an error naming it.
package workflow
