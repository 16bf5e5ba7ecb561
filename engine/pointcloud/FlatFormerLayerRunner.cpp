#include "FlatFormerLayerRunner.h"

#include "GroupAttentionCuda.h"
#include "WindowAttention.h"
#if LS_HAS_CUDA
#include "FlatFormerStackCuda.h"
#endif

namespace ls::pointcloud {

namespace {

class HostLayers final : public LayerRunner {
public:
    HostLayers(FlatFormerRunResult& r, const std::vector<float>& pe) : r_(r), pe_(pe) {}

    void attend(const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights) override
    {
        order_ = &order;
        grouping_ = &grouping;
        if (r_.attention == AttentionKind::PaddedWindows) {
            attended_ = attendPaddedWindowsCpu(r_.features, pe_, r_.pillars.coords, WindowShape{r_.windowEdge, r_.windowEdge}, weights,
                                               &r_.paddedStats);
            return;
        }
        if (r_.attention == AttentionKind::Global) {
            attended_ = attendGloballyCpu(r_.features, pe_, weights);
            return;
        }
        AttentionCore core;
        if (r_.precision == AttentionPrecision::Fp16) // the kernel's own body on the host: the same numbers, slowly
            core = [](const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int g, int c, int h,
                      std::span<const std::int32_t> keys) { return groupAttentionCoreOnHost(q, k, v, g, c, h, keys, AttentionPrecision::Fp16); };
        attendGroupsInto(workspace_, r_.features, pe_, order, grouping, weights, core);
        attended_.swap(workspace_.attended); // keeps both buffers' capacity for the next layer
    }

    void scatter() override
    {
        if (r_.attention == AttentionKind::Flattened)
            scatterResidual(r_.features, attended_, *order_, *grouping_, r_.channels);
        else // the baselines answer in pillar order already
            for (std::size_t i = 0; i < r_.features.size(); ++i)
                r_.features[i] += attended_[i];
    }

    void feedForward(const LayerWeights& weights) override { feedForwardInto(workspace_, r_.features, weights); }
    const std::vector<float>& features() override { return r_.features; }
    std::string where() const override { return "CPU"; }

private:
    FlatFormerRunResult& r_;
    const std::vector<float>& pe_;
    std::vector<float> attended_;
    LayerWorkspace workspace_; // every layer's buffers, allocated by the first
    const std::vector<std::int32_t>* order_ = nullptr;
    const Grouping* grouping_ = nullptr;
};

#if LS_HAS_CUDA
class DeviceLayers final : public LayerRunner {
public:
    DeviceLayers(FlatFormerRunResult& r, const std::vector<float>& pe, RunContext& context)
        : stack_(context.device().index, r.features, pe, r.channels), precision_(r.precision), context_(context)
    {
    }

    void attend(const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights) override
    {
        stack_.attend(order, grouping, weights, precision_, context_.recorder());
        downloaded_ = false;
    }
    void scatter() override { stack_.scatter(context_.recorder()); }
    void feedForward(const LayerWeights& weights) override
    {
        stack_.feedForward(weights, context_.recorder());
        downloaded_ = false;
    }
    const std::vector<float>& features() override
    {
        if (!downloaded_) {
            host_ = stack_.features();
            downloaded_ = true;
        }
        return host_;
    }
    std::string where() const override { return "GPU (" + context_.device().describe() + "): projections and feed-forward by cuBLAS"; }

private:
    FlatFormerStackCuda stack_;
    AttentionPrecision precision_;
    RunContext& context_;
    std::vector<float> host_;
    bool downloaded_ = false;
};
#endif

} // namespace

std::unique_ptr<LayerRunner> makeLayerRunner(FlatFormerRunResult& r, const std::vector<float>& pe, RunContext& context)
{
#if LS_HAS_CUDA
    if (context.device().isCuda() && r.attention == AttentionKind::Flattened)
        return std::make_unique<DeviceLayers>(r, pe, context);
#else
    (void)context;
#endif
    return std::make_unique<HostLayers>(r, pe);
}

} // namespace ls::pointcloud
