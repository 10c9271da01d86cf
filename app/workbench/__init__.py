"""The staff workspace: the 工作台 home page and the leader board (包联领导看板)."""
