#include "Collective.h"

namespace ls {

namespace {

class SingleProcess final : public Collective {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void sumInPlace(std::span<double>) override {}
};

SingleProcess gSingle;
Collective* gInstalled = nullptr;

} // namespace

Collective& processCollective() { return gInstalled ? *gInstalled : gSingle; }

void setProcessCollective(Collective* collective) { gInstalled = collective; }

} // namespace ls
