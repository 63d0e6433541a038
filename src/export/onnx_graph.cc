#include "export/onnx_graph.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <exception>
#include <utility>

namespace churnml::onnx_export {

Attribute Attribute::Int(std::string name, int64_t v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kInt;
  a.i = v;
  return a;
}
Attribute Attribute::Float(std::string name, float v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kFloat;
  a.f = v;
  return a;
}
Attribute Attribute::String(std::string name, std::string v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kString;
  a.s = std::move(v);
  return a;
}
Attribute Attribute::Ints(std::string name, std::vector<int64_t> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute Attribute::Floats(std::string name, std::vector<float> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute Attribute::Strings(std::string name, std::vector<std::string> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

struct OnnxGraph::Impl {
  onnx::GraphProto graph;
};

namespace {

void SetBatchShape(onnx::ValueInfoProto* info, ElementType type, bool with_column) {
  onnx::TypeProto_Tensor* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(static_cast<int32_t>(type));
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  if (with_column) shape->add_dim()->set_dim_value(1);
}

void FillAttribute(const Attribute& a, onnx::AttributeProto* out) {
  out->set_name(a.name);
  switch (a.kind) {
    case Attribute::Kind::kInt:
      out->set_type(onnx::AttributeProto::INT);
      out->set_i(a.i);
      break;
    case Attribute::Kind::kFloat:
      out->set_type(onnx::AttributeProto::FLOAT);
      out->set_f(a.f);
      break;
    case Attribute::Kind::kString:
      out->set_type(onnx::AttributeProto::STRING);
      out->set_s(a.s);
      break;
    case Attribute::Kind::kInts:
      out->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : a.ints) out->add_ints(v);
      break;
    case Attribute::Kind::kFloats:
      out->set_type(onnx::AttributeProto::FLOATS);
      for (float v : a.floats) out->add_floats(v);
      break;
    case Attribute::Kind::kStrings:
      out->set_type(onnx::AttributeProto::STRINGS);
      for (const std::string& v : a.strings) out->add_strings(v);
      break;
  }
}

}  // namespace

OnnxGraph::OnnxGraph(std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->graph.set_name(std::move(name));
}
OnnxGraph::~OnnxGraph() = default;
OnnxGraph::OnnxGraph(OnnxGraph&&) noexcept = default;
OnnxGraph& OnnxGraph::operator=(OnnxGraph&&) noexcept = default;

void OnnxGraph::AddColumnInput(const std::string& name, ElementType type) {
  onnx::ValueInfoProto* input = impl_->graph.add_input();
  input->set_name(name);
  SetBatchShape(input, type, /*with_column=*/true);
}

void OnnxGraph::AddBatchOutput(const std::string& name, ElementType type) {
  onnx::ValueInfoProto* output = impl_->graph.add_output();
  output->set_name(name);
  SetBatchShape(output, type, /*with_column=*/false);
}

void OnnxGraph::DeclareType(const std::string& name, ElementType type) {
  onnx::ValueInfoProto* info = impl_->graph.add_value_info();
  info->set_name(name);
  info->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int32_t>(type));
}

std::string OnnxGraph::AddDoubles(const std::string& name, const std::vector<double>& values,
                                  std::vector<int64_t> dims) {
  onnx::TensorProto* t = impl_->graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::DOUBLE);
  if (dims.empty()) dims.push_back(static_cast<int64_t>(values.size()));
  for (int64_t d : dims) t->add_dims(d);
  for (double v : values) t->add_double_data(v);
  return name;
}

std::string OnnxGraph::AddInt64s(const std::string& name, const std::vector<int64_t>& values,
                                 std::vector<int64_t> dims) {
  onnx::TensorProto* t = impl_->graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  if (dims.empty()) dims.push_back(static_cast<int64_t>(values.size()));
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
  return name;
}

void OnnxGraph::AddNode(std::string_view op_type, std::string_view domain,
                        std::initializer_list<std::string> inputs,
                        std::initializer_list<std::string> outputs,
                        const std::vector<Attribute>& attributes) {
  AddNode(op_type, domain, std::vector<std::string>(inputs), std::vector<std::string>(outputs),
          attributes);
}

void OnnxGraph::AddNode(std::string_view op_type, std::string_view domain,
                        std::vector<std::string> inputs, std::vector<std::string> outputs,
                        const std::vector<Attribute>& attributes) {
  onnx::NodeProto* node = impl_->graph.add_node();
  node->set_op_type(std::string(op_type));
  node->set_domain(std::string(domain));
  if (!outputs.empty()) node->set_name(std::string(op_type) + ":" + outputs.front());
  for (std::string& in : inputs) node->add_input(std::move(in));
  for (std::string& out : outputs) node->add_output(std::move(out));
  for (const Attribute& a : attributes) FillAttribute(a, node->add_attribute());
}

Result<std::string> OnnxGraph::Finish(
    const std::string& producer_version, const std::string& doc_string,
    const std::vector<std::pair<std::string, std::string>>& metadata) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("churnml");
  model.set_producer_version(producer_version);
  model.set_doc_string(doc_string);
  onnx::OperatorSetIdProto* core = model.add_opset_import();
  core->set_domain(std::string(kDefaultDomain));
  core->set_version(kDefaultOpset);
  onnx::OperatorSetIdProto* ml = model.add_opset_import();
  ml->set_domain(std::string(kMlDomain));
  ml->set_version(kMlOpset);
  for (const auto& [key, value] : metadata) {
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  *model.mutable_graph() = impl_->graph;
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return InternalError(std::string("the exported graph fails the ONNX checker: ") + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    return InternalError("the exported ONNX model could not be serialized (over 2 GiB?)");
  }
  return bytes;
}

}  // namespace churnml::onnx_export
