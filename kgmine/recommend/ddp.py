"""Data-parallel recommender training with torch DDP (gloo on CPU, nccl on GPU).

:func:`ddp_train` is the per-process function: every rank builds the same model from the same seed,
draws the same epoch of BPR triples (:class:`~kgmine.recommend.data.NegativeSampler` with the run's
seed) and trains on its ``rank::world_size`` share of every mini-batch; DDP averages the gradients,
so all ranks take the same optimiser step and end with identical weights. Launch it with
:func:`run_distributed` (``pyspark.ml.torch.distributor.TorchDistributor``, the ``spark`` extra), or
under ``torchrun`` by calling ``ddp_train`` directly (it reads the ``RANK`` / ``WORLD_SIZE`` /
``MASTER_ADDR`` environment torchrun sets).
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np


def ddp_train(data: Any, model: str = "lightgcn", params: dict | None = None, config: dict | None = None,
              backend: str = "gloo") -> dict[str, Any]:
    """Train in this process as one DDP rank; returns ``{"digests": [weights digest per rank],
    "metrics": test metrics (rank 0 evaluates), "loss": last epoch's mean loss}``."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from kgmine.recommend.data import NegativeSampler
    from kgmine.recommend.train import TrainConfig, bpr_loss, build_model, evaluate_model
    from kgmine.seeding import seed_everything

    dist.init_process_group(backend)
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        cfg = TrainConfig.from_dict(dict(config or {}))
        torch.set_num_threads(1)
        seed_everything(cfg.seed)
        net = build_model(model, data, **dict(params or {}))
        graph = data.graph()
        wrapped = DistributedDataParallel(net)
        optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
        sampler = NegativeSampler(data, cfg.sampling, cfg.n_negatives, seed=cfg.seed)
        loss_sum = steps = 0
        for _ in range(cfg.epochs):
            users, pos, neg = (torch.from_numpy(np.ascontiguousarray(a)) for a in sampler.epoch())
            loss_sum = steps = 0
            for s in range(0, len(users), cfg.batch_size):
                share = slice(s + rank, s + cfg.batch_size, world)
                user_emb, item_emb = wrapped(graph)
                loss, _ = bpr_loss(net, user_emb, item_emb, users[share], pos[share], neg[share], cfg.weight_decay)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                loss_sum += float(loss.detach())
                steps += 1
        digest = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in net.parameters())).hexdigest()
        digests: list[Any] = [None] * world
        dist.all_gather_object(digests, digest)
        metrics = evaluate_model(net, graph, data, "test", cfg.ks) if rank == 0 else None
        return {"digests": digests, "metrics": metrics, "loss": loss_sum / max(steps, 1)}
    finally:
        dist.destroy_process_group()


def run_distributed(data: Any, num_processes: int = 2, model: str = "lightgcn", params: dict | None = None,
                    config: dict | None = None, use_gpu: bool = False, local_mode: bool = True) -> dict[str, Any]:
    """:func:`ddp_train` on ``num_processes`` ranks through Spark's ``TorchDistributor``; rank 0's result."""
    from pyspark.ml.torch.distributor import TorchDistributor

    from kgmine.spark.session import spark_session

    spark_session()
    distributor = TorchDistributor(num_processes=num_processes, local_mode=local_mode, use_gpu=use_gpu)
    return distributor.run(ddp_train, data, model, params, config, "nccl" if use_gpu else "gloo")


__all__ = ["ddp_train", "run_distributed"]
