package imageauto

// Result is what Update did to one source, for printing as a table or as
// YAML/JSON.
type Result struct {
	// Source names the source; Origin says where it is declared.
	Source string `json:"source"`
	Origin string `json:"origin,omitempty"`
	// Revision is the commit the update was computed on,
	// "main@sha1:<hash>".
	Revision string `json:"revision,omitempty"`
	// Policies are the policies evaluated, sorted by ID.
	Policies []PolicyResult `json:"policies"`
	// Changes are the fields set, by file and line.
	Changes []FieldChange `json:"changes"`
	// Message is the commit message (of the commit pushed, or of the one
	// a dry run would make).
	Message string `json:"message,omitempty"`
	// Commit is the pushed commit's hash; empty when nothing was pushed.
	Commit string `json:"commit,omitempty"`
	// Branch is the branch pushed to.
	Branch string `json:"branch,omitempty"`
	// Attempts counts the push attempts (more than one when the branch
	// moved meanwhile).
	Attempts int `json:"attempts,omitempty"`
	// DryRun is set when nothing was committed on purpose.
	DryRun bool `json:"dryRun,omitempty"`
	// Notes are warnings: files skipped, markers left alone.
	Notes []string `json:"notes,omitempty"`
}

// PolicyResult is one policy and the tag it selected.
type PolicyResult struct {
	// ID is the name markers use, "<namespace>:<name>".
	ID string `json:"id"`
	// Origin is where the policy is declared.
	Origin string `json:"origin"`
	Image  string `json:"image"`
	// Tags counts the tags the registry listed.
	Tags int `json:"tags"`
	// Tag is the selected tag.
	Tag string `json:"tag"`
}

// FieldChange is one field set.
type FieldChange struct {
	// File is relative to the repository root.
	File   string `json:"file"`
	Line   int    `json:"line"`
	Object string `json:"object"`
	Field  string `json:"field"`
	Setter string `json:"setter"`
	Old    string `json:"old"`
	New    string `json:"new"`
}
