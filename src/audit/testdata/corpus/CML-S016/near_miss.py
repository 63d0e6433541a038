engine = create_engine("postgresql://churn@db.internal:5432/churn")
engine2 = create_engine(f"postgresql://churn:{password}@db.internal/churn")
# postgresql://user[:password]@host[:port]/db
