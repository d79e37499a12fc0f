"""Statistics and rendering: areas, comparison, funnel plots, SVG charts, HTML reports and text output."""
