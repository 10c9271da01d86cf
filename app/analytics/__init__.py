"""The leader cockpit (领导驾驶舱): funnels, rates, targets, warnings and league tables,
computed in SQL from the stage events."""
