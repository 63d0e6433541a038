// Inline SVG charts for the self-contained HTML reports: no script, no
// external file, a few kilobytes each. Every chart is one <svg> element with
// class "chart" and data-chart="<id>", so a test (or a person with the page
// source) can find each one. Text is XML-escaped. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eval/curves.h"

namespace churnml {

struct ChartSeries {
  std::string name;
  std::vector<CurvePoint> points;
  std::string color;     // CSS color
  bool markers = false;  // draw a dot at each point
};

struct LineChart {
  std::string id;  // data-chart value
  std::string title;
  std::string x_label;
  std::string y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<ChartSeries> series;
  bool diagonal = false;  // dashed y = x reference line
};

struct BarGroup {
  std::string label;
  std::vector<double> values;  // one per series
};

struct BarChart {
  std::string id;
  std::string title;
  std::string value_label;
  std::vector<std::string> series_names;
  std::vector<std::string> colors;  // one per series
  std::vector<BarGroup> groups;
  bool horizontal = false;  // bars grow right, labels on the left (long names)
};

std::string RenderLineChart(const LineChart& chart);
std::string RenderBarChart(const BarChart& chart);

// A 2 × 2 grid of counts, shaded by share of the total.
std::string RenderConfusionChart(std::string_view id, std::string_view negative_label,
                                 std::string_view positive_label, long long tn, long long fp,
                                 long long fn, long long tp);

// &, <, >, " and ' as entities.
std::string EscapeXml(std::string_view text);

}  // namespace churnml
