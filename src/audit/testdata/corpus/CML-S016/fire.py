engine = create_engine("postgresql://churn:Hx9kq2vLp@db.internal:5432/churn")
