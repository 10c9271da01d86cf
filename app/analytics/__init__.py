"""The leader cockpit (领导驾驶舱): funnels, rates, targets, warnings and league tables,
computed in SQL from the stage events. One module per figure:

- `funnel`     the funnel and the period's totals (key figures, rates, trend, light counts)
- `groupings`  per county, chain, region, method or leader; the league table; top projects
- `timing`     time in stage, the cohort's time to each stage, the longest waiting
- `lights`     the warning rules and each project's light (红黄绿灯)
- `targets`    setting targets a grid at a time, and progress against them
- `funds`      funds in place on a project
- `cockpit`    every figure of one view, assembled (and cached)
- shared: `sql` (scope, conditional sums, dialect functions), `periods`, `links`
  (drill-downs, written by app.projects.links); `forms` reads the targets grid's form.
"""
