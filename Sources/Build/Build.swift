// Build: see DESIGN.md section 2. Filled in by its issue.
