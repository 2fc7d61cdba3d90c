"""model-index.yml and configs/metafile.yaml, read with model-index as MIM reads them: every model
has its metadata and an existing config, and every CLAN, AdaptSegNet and source-only config is
listed."""
import shutil
from pathlib import Path

from modelindex.load_model_index import load

REPO_ROOT = Path(__file__).resolve().parents[1]
ALGORITHM_PREFIXES = {'clan': 'CLAN', 'adaptsegnet': 'AdaptSegNet', 'source': 'Source-only'}
REQUIRED_METADATA = ('backbone', 'crop size', 'lr schd')


def model_index_problems(index_file: Path, repo_root: Path) -> list:
    """What is wrong with a model index for ``repo_root``: model-index's own check errors,
    models without metadata, a config that does not exist or is listed twice, results."""
    index = load(str(index_file))
    index.build_models_with_collections()
    problems = [f'{e["filepath"]}: {error}' for e in index.collect_check_errors()
                for error in e['errors']]
    seen = set()
    for model in index.models:
        full = model.full_model
        metadata = full.metadata
        if not metadata.training_data or not metadata.architecture:
            problems.append(f'{model.name}: no Training Data or Architecture')
        problems += [f'{model.name}: no {key!r}' for key in REQUIRED_METADATA
                     if key not in metadata.data]
        if not full.paper:
            problems.append(f'{model.name}: no Paper')
        if full.results:
            problems.append(f'{model.name}: has Results, but nothing was measured on real data')
        config = repo_root / model.config
        if not config.is_file() or config.stem != model.name:
            problems.append(f'{model.name}: Config {model.config} is not a file named after it')
        if model.config in seen:
            problems.append(f'{model.name}: Config {model.config} is listed twice')
        seen.add(model.config)
    configs = {p.relative_to(repo_root).as_posix(): p.stem
               for p in (repo_root / 'configs').rglob('*.py') if '_base_' not in p.parts}
    problems += [f'{path}: a {algorithm} config missing from the model index'
                 for path, stem in configs.items() for prefix, algorithm in
                 ALGORITHM_PREFIXES.items() if stem.startswith(prefix) and path not in seen]
    collections = {m.name: m.in_collection for m in index.models}
    problems += [f'{name}: in collection {found}, expected {algorithm}'
                 for name, found in collections.items() for prefix, algorithm in
                 ALGORITHM_PREFIXES.items() if name.startswith(prefix) and found != algorithm]
    return problems


def test_model_index_lists_every_algorithm_config_with_metadata():
    assert model_index_problems(REPO_ROOT / 'model-index.yml', REPO_ROOT) == []
    index = load(str(REPO_ROOT / 'model-index.yml'))
    assert len(index.models) >= 20
    assert {c.name for c in index.collections} == set(ALGORITHM_PREFIXES.values())


def test_a_missing_config_and_an_unlisted_one_are_reported(tmp_path):
    shutil.copytree(REPO_ROOT / 'configs', tmp_path / 'configs')
    shutil.copy(REPO_ROOT / 'model-index.yml', tmp_path)
    (tmp_path / 'configs' / 'clan_gta2city.py').rename(tmp_path / 'configs' / 'clan_renamed.py')
    problems = model_index_problems(tmp_path / 'model-index.yml', tmp_path)
    assert 'clan_gta2city: Config configs/clan_gta2city.py is not a file named after it' in problems
    assert 'configs/clan_renamed.py: a CLAN config missing from the model index' in problems
