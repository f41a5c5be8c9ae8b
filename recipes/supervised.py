"""Supervised learning from a config: classification (cross-entropy, accuracy) or regression (MSE).

    python -m framework.train configs/spirals.yaml

Reads top to bottom: build the model, loss, optimiser and scheduler from the config, make the data
loaders, hand everything to the Trainer (which owns the loop, checkpoints and logging), then evaluate every
split and print a table. To change what a step computes, copy this file, edit it, and point your
config's ``recipe:`` at the copy (e.g. ``recipe: my_recipe`` for my_recipe.py in the working directory).
"""
import framework
from framework.data import DataLoader, train_val_split
from framework.train import (Component, ConfigError, Key, Section, Trainer, base_schema, instantiate,
                             seed_everything)

SCHEMA = base_schema(
    task=Key("classification", str, "classification (cross-entropy, accuracy) or regression (MSE)",
             choices=("classification", "regression")),
    model=Component("the network, a framework.nn.Module (yours too: _target_: my_models.Net)", required=True),
    loss=Component("loss module (null: CrossEntropyLoss for classification, MSELoss for regression)"),
    optimizer=Component("optimiser; the recipe passes the model's parameters", required=True,
                        positional=("params",)),
    scheduler=Component("learning-rate scheduler; the recipe passes the optimiser (null: constant lr)",
                        positional=("optimizer",)),
    data=Section("datasets and batching", {
        "train": Component("training dataset (e.g. _target_: framework.data.datasets.spirals)", required=True),
        "val": Component("validation dataset (null: none, or split off the training set by val_fraction)"),
        "test": Component("test dataset, evaluated once at the end (null: none, or split off by test_fraction)"),
        "val_fraction": Key(None, float, "fraction of the training set held out for validation", minimum=0,
                            exclusive=True),
        "test_fraction": Key(None, float, "fraction of the training set held out for the final test", minimum=0,
                             exclusive=True),
        "split_seed": Key(0, int, "seed of the held-out splits (independent of the run's seed)"),
        "batch_size": Key(32, int, "samples per micro-batch (an optimiser step takes train.grad_accum_steps)",
                          minimum=1),
        "eval_batch_size": Key(256, int, "samples per batch when evaluating", minimum=1),
        "shuffle": Key(True, bool, "reshuffle the training set every epoch"),
        "drop_last": Key(False, bool, "drop the last, incomplete training batch of each epoch"),
    }),
)


def main(config, resume=None):
    """Train and evaluate as ``config`` says; ``resume`` is a checkpoint directory to continue from."""
    framework.set_default_dtype(getattr(framework, config.dtype))
    seed_everything(config.seed)
    classification = config.task == "classification"

    model = instantiate(config.model, key="model")
    loss_fn = instantiate(config.loss, key="loss") or (
        framework.nn.CrossEntropyLoss() if classification else framework.nn.MSELoss())
    optimizer = instantiate(config.optimizer, model.parameters(), key="optimizer")
    scheduler = instantiate(config.scheduler, optimizer, key="scheduler")

    splits = make_splits(config.data)
    train_loader = DataLoader(splits["train"], batch_size=config.data.batch_size, shuffle=config.data.shuffle,
                              drop_last=config.data.drop_last, seed=config.seed)
    eval_loaders = {name: DataLoader(dataset, batch_size=config.data.eval_batch_size)
                    for name, dataset in splits.items()}

    def compute_loss(batch):
        inputs, targets = as_model_inputs(batch, classification)
        return loss_fn(model(inputs), targets)

    def evaluate(loader):
        """Mean loss (and accuracy) over a whole split; the caller sets eval mode and no_grad."""
        loss_sum, correct, count = 0.0, 0, 0
        for batch in loader:
            inputs, targets = as_model_inputs(batch, classification)
            outputs = model(inputs)
            n = targets.shape[0]
            loss_sum += loss_fn(outputs, targets).item() * n
            count += n
            if classification:
                correct += count_correct(outputs, targets)
        metrics = {"loss": loss_sum / count}
        if classification:
            metrics["accuracy"] = correct / count
        return metrics

    def validate():
        return {f"val/{name}": value for name, value in evaluate(eval_loaders["val"]).items()}

    metric_names = ["loss", "accuracy"] if classification else ["loss"]
    with Trainer(model, optimizer, train_loader, compute_loss, scheduler=scheduler,
                 validate=validate if "val" in eval_loaders else None,
                 val_metrics=[f"val/{name}" for name in metric_names], config=config) as trainer:
        trainer.fit(resume)
        model.eval()
        with framework.no_grad():
            results = {split: evaluate(loader) for split, loader in eval_loaders.items()}
        trainer.log_final({f"{split}/{name}": value for split, metrics in results.items()
                           for name, value in metrics.items()})
    print(results_table(results, metric_names))
    return results


def make_splits(data):
    """``{"train": ..., "val": ..., "test": ...}`` datasets from the config, held-out parts split off."""
    train = instantiate(data.train, key="data.train")
    held_out = {}
    for name in ("test", "val"):  # test first: changing val_fraction then leaves the test set alone
        dataset = instantiate(data[name], key=f"data.{name}")
        fraction = data[f"{name}_fraction"]
        if dataset is not None and fraction is not None:
            raise ConfigError(f"data.{name} and data.{name}_fraction are both set; give one of them")
        if fraction is not None:
            train, dataset = train_val_split(train, val_fraction=fraction, seed=data.split_seed)
        if dataset is not None:
            held_out[name] = dataset
    return {"train": train, **{name: held_out[name] for name in ("val", "test") if name in held_out}}


def as_model_inputs(batch, classification):
    """``(inputs, targets)`` with floating tensors in the default dtype (float64 configs get float64 data)."""
    inputs, targets = batch[0], batch[1]
    dtype = framework.get_default_dtype()
    if inputs.is_floating_point() and inputs.dtype != dtype:
        inputs = inputs.to(dtype)
    if not classification and targets.is_floating_point() and targets.dtype != dtype:
        targets = targets.to(dtype)
    return inputs, targets


def count_correct(outputs, targets):
    """Correct predictions: argmax over classes, or the sign of a single logit for binary targets."""
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        predicted = (outputs.reshape(-1) > 0).numpy().astype(targets.numpy().dtype)
        return int((predicted == targets.numpy().reshape(-1)).sum())
    return int((outputs.argmax(dim=-1).numpy() == targets.numpy()).sum())


def results_table(results, metric_names):
    """The final evaluation as a small text table, one row per split."""
    header = ["split"] + metric_names
    rows = [[split] + [f"{m[name]:.2%}" if name == "accuracy" else f"{m[name]:.6f}" for name in metric_names]
            for split, m in results.items()]
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
