"""Agency clients (其他部门的系统): scoped bearer tokens an administrator creates and revokes."""
