#!/usr/bin/env python3
"""Generates labelled reasoning traces from a real model: N seeded arithmetic word problems, each
answered by an OpenAI-compatible server (scripts/local-llm serves SmolLM2-135M-Instruct) with
token log-probabilities and top-k alternatives. The ground truth is computed, the model's final
number is extracted, and each trace is labelled correct or incorrect.

Writes JSON Lines: the server's chat.completion response as it came, plus "problem", "truth",
"answer" and "correct", which `latency-studio-cli run reasoning.instability` reads directly.

  scripts/local-llm                       # prints the base URL
  scripts/real-traces.py --base-url http://127.0.0.1:8000/v1 --n 200 --out assets/traces/real-smollm2.jsonl

Standard library only.
"""
import argparse
import json
import random
import re
import sys
import time
import urllib.error
import urllib.request

NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kofi", "Lena"]
ITEMS = ["apples", "marbles", "stickers", "books", "coins", "pencils", "cards", "shells"]


def problem(rng):
    """A two- or three-step word problem and its answer (all intermediate counts stay positive)."""
    name, other = rng.sample(NAMES, 2)
    item = rng.choice(ITEMS)
    start = rng.randint(3, 40)
    # Half are one-step problems with small numbers: a 135M model gets few multi-step ones right, and
    # an AUC needs both labels.
    kind = rng.choice(["add", "take", "add", "take", "buy-give", "groups", "share", "buy-give-twice"])
    if kind == "add":
        start, more = rng.randint(1, 9), rng.randint(1, 9)
        return f"{name} has {start} {item} and gets {more} more. How many {item} does {name} have now?", start + more
    if kind == "take":
        start = rng.randint(4, 12)
        lost = rng.randint(1, start - 1)
        return f"{name} has {start} {item} and gives {lost} to {other}. How many {item} does {name} have now?", start - lost
    if kind == "buy-give":
        more, given = rng.randint(2, 30), rng.randint(1, 20)
        given = min(given, start + more - 1)
        text = (f"{name} has {start} {item}. {name} gets {more} more {item} and then gives {given} {item} to {other}. "
                f"How many {item} does {name} have now?")
        return text, start + more - given
    if kind == "groups":
        groups, each = rng.randint(2, 9), rng.randint(2, 12)
        extra = rng.randint(1, 15)
        text = (f"{name} packs {groups} boxes with {each} {item} in each box, and has {extra} {item} left over. "
                f"How many {item} did {name} have in total?")
        return text, groups * each + extra
    if kind == "share":
        people, each = rng.randint(2, 8), rng.randint(2, 10)
        total = people * each
        text = (f"{name} shares {total} {item} equally among {people} friends. "
                f"How many {item} does each friend get?")
        return text, each
    more, given, again = rng.randint(2, 20), rng.randint(1, 10), rng.randint(1, 12)
    given = min(given, start + more - 1)
    text = (f"{name} has {start} {item}, buys {more} more, gives {given} to {other}, and then finds {again} more. "
            f"How many {item} does {name} have now?")
    return text, start + more - given + again


def final_number(text):
    """The answer the model gave: the number after 'answer is', else the last number in the text."""
    cleaned = text.replace(",", "")
    stated = re.findall(r"answer\s*(?:is|:)?\s*\**\s*(-?\d+(?:\.\d+)?)", cleaned, flags=re.IGNORECASE)
    numbers = stated or re.findall(r"-?\d+(?:\.\d+)?", cleaned)
    return numbers[-1] if numbers else None


def ask(base_url, model, prompt, seed, max_tokens, top_logprobs, temperature):
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": temperature,
        "seed": seed,
        "logprobs": True,
        "top_logprobs": top_logprobs,
    }
    request = urllib.request.Request(base_url.rstrip("/") + "/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--top-logprobs", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    correct = 0
    started = time.monotonic()
    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.n):
            text, truth = problem(rng)
            prompt = text + " Think step by step, then give the final answer as 'The answer is N.'"
            try:
                response = ask(args.base_url, args.model, prompt, args.seed * 100003 + i, args.max_tokens,
                               args.top_logprobs, args.temperature)
            except (urllib.error.URLError, TimeoutError) as error:
                sys.exit(f"real-traces: {args.base_url}: {error} (is scripts/local-llm running?)")
            content = response["choices"][0]["message"]["content"] or ""
            answer = final_number(content)
            ok = answer is not None and float(answer) == float(truth)
            correct += ok
            response.update({"problem": text, "truth": truth, "answer": answer or "", "correct": ok})
            out.write(json.dumps(response, ensure_ascii=False) + "\n")
            if (i + 1) % 10 == 0 or i + 1 == args.n:
                print(f"{i + 1}/{args.n} traces, {correct} correct, {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(f"wrote {args.out}: {args.n} traces, accuracy {correct / max(args.n, 1):.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
