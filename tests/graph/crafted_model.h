// Hand-made `.graph` files for the container and limits tests: a one-initializer model and the
// container bytes around any (possibly broken) ModelProto.
#pragma once

#include <cstdint>
#include <string>

#include "graph/model_io.h"
#include "proto/anvil.pb.h"

namespace anvil::testing {

// x f32[T, 4] -> linear(x, w f32[3, 4]) -> y, w stored in the data section (48 bytes).
inline proto::ModelProto SmallLinearModel() {
  proto::ModelProto p;
  p.set_opset_version(1);
  p.set_data_alignment(64);
  proto::GraphProto* g = p.mutable_graph();
  proto::ValueInfoProto* x = g->add_inputs();
  x->set_name("x");
  x->mutable_type()->set_dtype(proto::F32);
  x->mutable_type()->add_dims()->set_symbol("T");
  x->mutable_type()->add_dims()->set_size(4);
  proto::TensorProto* w = g->add_initializers();
  w->set_name("w");
  w->set_dtype(proto::F32);
  w->add_dims(3);
  w->add_dims(4);
  w->set_external(true);
  w->set_data_offset(0);
  w->set_data_length(48);
  proto::NodeProto* n = g->add_nodes();
  n->set_name("proj");
  n->set_op("linear");
  n->add_inputs(std::string("x"));  // std::string: GCC 12 warns (-Wrestrict) on the char* overloads here
  n->add_inputs(std::string("w"));
  n->add_outputs(std::string("y"));
  g->add_outputs()->set_name("y");
  return p;
}

// Header + `body` (a serialized ModelProto, or any bytes) + zero padding to `align` (when it is a
// power of two) + `data`.
inline std::string ContainerBytes(const std::string& body, const std::string& data, uint32_t align = 64,
                                  uint32_t version = 1, uint32_t flags = 0) {
  std::string out(kGraphMagic, 8);
  const uint64_t length = body.size();
  out.append(reinterpret_cast<const char*>(&version), 4);
  out.append(reinterpret_cast<const char*>(&flags), 4);
  out.append(reinterpret_cast<const char*>(&length), 8);
  out += body;
  if (align > 0 && (align & (align - 1)) == 0) out.resize((out.size() + align - 1) / align * align, '\0');
  return out + data;
}

}  // namespace anvil::testing
