#!/usr/bin/env python3
"""Writes assets/traces/sample-openai.jsonl: SYNTHETIC reasoning traces in the OpenAI Chat
Completions log-probability format, so the studio has something to open with no model at hand.

How they are made (deterministic, seed 2026): each trace is a sequence of words from a small
vocabulary; every step offers 5 alternatives whose log-probabilities come from a softmax of random
logits. In calm stretches the candidate set stays the same and the distribution is peaked; around
one "wobble" step (of random strength) the temperature rises and the candidates change, which
raises entropy and the Jensen-Shannon shift. Wrong answers are drawn more often for strong and for
late wobbles, mimicking the published finding (late, strong instability predicts failure) so that
the dataset view has a signal to show. Nothing here came from a real model."""
import json
import math
import random

WORDS = ("so the answer is we need to compute first then check if sum of both sides equals "
         "two three four five seven because therefore wait no let me recount carefully again "
         "step value total each term gives result hence").split()


def softmax_logprobs(logits):
    top = max(logits)
    total = sum(math.exp(l - top) for l in logits)
    return [l - top - math.log(total) for l in logits]


def make_trace(rng, index):
    length = rng.randint(60, 160)
    wobble_at = rng.random()
    strength = rng.random()  # 0: a ripple, 1: the reasoning falls apart for a while
    wrong = rng.random() < (0.1 + 0.45 * wobble_at + 0.4 * strength)
    wobble_step = int(wobble_at * (length - 1))
    width = 1 + int(4 * strength)
    candidates = rng.sample(WORDS, 5)
    content = []
    for t in range(length):
        near = abs(t - wobble_step) <= width
        if near or rng.random() < 0.04:  # the candidate set moves on at the wobble, rarely otherwise
            candidates = rng.sample(WORDS, 5)
        temperature = 0.4 + 3.0 * strength if near else 0.25
        logits = [rng.gauss(0, 1) / temperature for _ in candidates]
        logprobs = softmax_logprobs(logits)
        ranked = sorted(zip(candidates, logprobs), key=lambda c: -c[1])
        chosen, chosen_lp = ranked[0] if not near else rng.choice(ranked)
        content.append({
            "token": " " + chosen,
            "logprob": round(chosen_lp, 5),
            "top_logprobs": [{"token": " " + w, "logprob": round(lp, 5)} for w, lp in ranked],
        })
    return {
        "id": f"synthetic-{index:03d}",
        "object": "chat.completion",
        "model": "synthetic (scripts/make-sample-traces.py)",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(c["token"] for c in content)},
                     "logprobs": {"content": content}, "finish_reason": "stop"}],
        "correct": not wrong,
        "answer": str(rng.randint(1, 99)),
    }


def main():
    rng = random.Random(2026)
    with open("assets/traces/sample-openai.jsonl", "w", encoding="utf-8") as out:
        for i in range(48):
            out.write(json.dumps(make_trace(rng, i), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
