#include "server/model_service.h"

#include "core/models/model_registry.h"
#include "core/status_macros.h"
#include "server/convert.h"
#include "server/authorize.h"
#include "server/reactors.h"

namespace evgen {

grpc::ServerUnaryReactor* ModelServiceImpl::ListModels(grpc::CallbackServerContext* context,
                                                       const v1::ListModelsRequest* request,
                                                       v1::ListModelsResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "ListModels")) return denied;
  return RunOnPool(state_->pool, context, [this, request, response] {
    for (const ModelRecord& record : state_->models.List()) {
      if (request->name().empty() || request->name() == record.name) {
        ToProto(record, response->add_models());
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ModelServiceImpl::GetModel(grpc::CallbackServerContext* context,
                                                     const v1::GetModelRequest* request,
                                                     v1::Model* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "GetModel")) return denied;
  return RunOnPool(state_->pool, context, [this, request, response]() -> absl::Status {
    EVGEN_ASSIGN_OR_RETURN(ModelRecord record,
                           state_->models.GetRecord(request->name(), request->version()));
    ToProto(record, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ModelServiceImpl::DeleteModel(grpc::CallbackServerContext* context,
                                                        const v1::DeleteModelRequest* request,
                                                        v1::DeleteModelResponse*) {
  if (auto* denied = DenyUnary(*state_, context, Role::kAdmin, "DeleteModel")) return denied;
  return RunOnPool(state_->pool, context, [this, request] {
    return state_->models.Delete(request->name(), request->version());
  });
}

grpc::ServerUnaryReactor* ModelServiceImpl::ListPresets(grpc::CallbackServerContext* context,
                                                        const v1::ListPresetsRequest*,
                                                        v1::ListPresetsResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "ListPresets")) return denied;
  return RunOnPool(state_->pool, context, [response]() -> absl::Status {
    for (const std::string& kind : ModelKinds()) {
      EVGEN_ASSIGN_OR_RETURN(const ModelFamily* family, FindModelFamily(kind));
      v1::ModelKind* k = response->add_kinds();
      k->set_kind(kind);
      k->set_family(family->name());
    }
    EVGEN_ASSIGN_OR_RETURN(std::vector<PresetInfo> presets, evgen::ListPresets());
    for (const PresetInfo& info : presets) ToProto(info, response->add_presets());
    return absl::OkStatus();
  });
}

}  // namespace evgen
