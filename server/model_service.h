// model_service.h: ModelServiceImpl, evgen.v1.ModelService over the ModelStore.
#pragma once

#include "evgen/v1/model_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class ModelServiceImpl final : public v1::ModelService::CallbackService {
 public:
  explicit ModelServiceImpl(ServerState* state) : state_(state) {}

  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* context,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override;
  grpc::ServerUnaryReactor* GetModel(grpc::CallbackServerContext* context,
                                     const v1::GetModelRequest* request,
                                     v1::Model* response) override;
  grpc::ServerUnaryReactor* DeleteModel(grpc::CallbackServerContext* context,
                                        const v1::DeleteModelRequest* request,
                                        v1::DeleteModelResponse* response) override;
  grpc::ServerUnaryReactor* ListPresets(grpc::CallbackServerContext* context,
                                        const v1::ListPresetsRequest* request,
                                        v1::ListPresetsResponse* response) override;

 private:
  ServerState* state_;
};

}  // namespace evgen
