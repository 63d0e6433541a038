// OnnxGraph: the one file of the export layer that speaks ONNX's protobuf
// (Debian's libonnx-dev, ai.onnx opset 17 and ai.onnx.ml opset 3). Parts of
// the pipeline add typed inputs, constant tensors and nodes to it; Finish
// wraps the graph in a ModelProto, runs onnx::checker::check_model on it and
// serializes it. ONNX's exceptions stop here and become Status values.
//
// Not thread-safe; one graph per export.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace churnml::onnx_export {

// The ONNX element types the export uses (values of onnx::TensorProto_DataType).
enum class ElementType : int32_t {
  kFloat = 1,
  kString = 8,
  kInt64 = 7,
  kBool = 9,
  kDouble = 11,
};

// An attribute value of a node: exactly one of the fields is used, chosen by
// the factory that built it.
struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings };
  std::string name;
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;

  static Attribute Int(std::string name, int64_t v);
  static Attribute Float(std::string name, float v);
  static Attribute String(std::string name, std::string v);
  static Attribute Ints(std::string name, std::vector<int64_t> v);
  static Attribute Floats(std::string name, std::vector<float> v);
  static Attribute Strings(std::string name, std::vector<std::string> v);
};

// ONNX operator domains.
inline constexpr std::string_view kDefaultDomain = "";
inline constexpr std::string_view kMlDomain = "ai.onnx.ml";
inline constexpr int64_t kDefaultOpset = 17;
inline constexpr int64_t kMlOpset = 3;

class OnnxGraph {
 public:
  explicit OnnxGraph(std::string name);
  ~OnnxGraph();
  OnnxGraph(OnnxGraph&&) noexcept;
  OnnxGraph& operator=(OnnxGraph&&) noexcept;

  // A graph input of shape [N, 1] (N symbolic: the batch).
  void AddColumnInput(const std::string& name, ElementType type);
  // A graph output of shape [N] (N symbolic).
  void AddBatchOutput(const std::string& name, ElementType type);
  // Declares the element type of an intermediate tensor (value_info, no
  // shape) for operators whose schema has no type inference (OneHotEncoder
  // in ONNX 1.12), so strict shape inference can type what follows.
  void DeclareType(const std::string& name, ElementType type);

  // Constant tensors (graph initializers) named `name`, 1-D of the values'
  // length unless `dims` is given. Returns `name`.
  std::string AddDoubles(const std::string& name, const std::vector<double>& values,
                         std::vector<int64_t> dims = {});
  std::string AddInt64s(const std::string& name, const std::vector<int64_t>& values,
                        std::vector<int64_t> dims = {});

  // A node of `op_type` in `domain`, named after its first output.
  void AddNode(std::string_view op_type, std::string_view domain,
               std::initializer_list<std::string> inputs,
               std::initializer_list<std::string> outputs,
               const std::vector<Attribute>& attributes = {});
  void AddNode(std::string_view op_type, std::string_view domain, std::vector<std::string> inputs,
               std::vector<std::string> outputs, const std::vector<Attribute>& attributes = {});

  // Wraps the graph in a model (IR version 8, the two opsets above,
  // producer "churnml" `producer_version`, `doc_string`), checks it with
  // onnx::checker::check_model and returns its serialized bytes.
  // Internal with the checker's message when the graph is not valid ONNX.
  Result<std::string> Finish(const std::string& producer_version, const std::string& doc_string,
                             const std::vector<std::pair<std::string, std::string>>& metadata);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace churnml::onnx_export
