import VirtualRig
// Filled in by the virtual rig issue.
